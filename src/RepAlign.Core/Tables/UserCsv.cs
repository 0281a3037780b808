using nietras.SeparatedValues;

namespace RepAlign.Core.Tables;

/// <summary>One data row of a user's CSV file: the line it starts on (1-based) and its cells, unquoted and trimmed.</summary>
/// <param name="Line">Line number of the row's first character (a quoted cell may span lines).</param>
/// <param name="Cells">The cells.</param>
public sealed record CsvRow(int Line, IReadOnlyList<string> Cells);

/// <summary>A user's CSV file read whole: the header's column names (lower case, trimmed) and the data rows.</summary>
/// <param name="Path">The file, for messages.</param>
/// <param name="HeaderLine">Line number of the header.</param>
/// <param name="Columns">Column names from the header, lower case.</param>
/// <param name="Rows">Data rows in file order; blank lines are left out.</param>
public sealed record CsvTable(string Path, int HeaderLine, IReadOnlyList<string> Columns, IReadOnlyList<CsvRow> Rows)
{
    /// <summary>The index of a column, or −1.</summary>
    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++) if (Columns[i] == column) return i;
        return -1;
    }
}

/// <summary>The header row of a user's CSV file.</summary>
/// <param name="Line">Line number of the header (the first non-blank line).</param>
/// <param name="Columns">Column names, lower case and trimmed.</param>
public sealed record CsvHeader(int Line, IReadOnlyList<string> Columns);

/// <summary>Takes one data row of a user's CSV file as the parser holds it (valid during the call only): its first line and its cells.</summary>
/// <param name="line">Line number of the row's first character.</param>
/// <param name="row">The row; cells unquoted and trimmed.</param>
public delegate void CsvRowAction(int line, SepReader.Row row);

/// <summary>
/// Reads CSV files that people bring (pair lists, trajectories and long tables from other training code) with a real CSV
/// parser (Sep): RFC 4180 quoting (separators, quotes and line breaks inside quoted cells), a UTF-8 byte-order mark, CRLF
/// or LF line ends. The first non-blank line is the header; blank lines are left out. Every problem is
/// <see cref="BadInputException"/> naming the file and line.
/// </summary>
public static class UserCsv
{
    /// <summary>Reads <paramref name="path"/> whole; <paramref name="expected"/> describes the wanted content for messages ("a CSV with columns a,b").</summary>
    public static CsvTable Read(string path, string expected)
    {
        var rows = new List<CsvRow>();
        var header = ForEachRow(path, expected, _ => (line, row) => rows.Add(new CsvRow(line, Cells(row))));
        return new CsvTable(path, header.Line, header.Columns, rows);
    }

    /// <summary>Reads only the header of <paramref name="path"/>.</summary>
    public static CsvHeader ReadHeader(string path, string expected) => Scan(path, expected, null);

    /// <summary>
    /// Streams <paramref name="path"/> without holding its cells: <paramref name="begin"/> gets the header and returns the
    /// action that then gets every data row in file order. Returns the header.
    /// </summary>
    public static CsvHeader ForEachRow(string path, string expected, Func<CsvHeader, CsvRowAction> begin)
    {
        ArgumentNullException.ThrowIfNull(begin);
        return Scan(path, expected, begin);
    }

    private static CsvHeader Scan(string path, string expected, Func<CsvHeader, CsvRowAction>? begin)
    {
        if (!File.Exists(path)) Throw.BadInput($"{path}: file not found, expected {expected}");
        CsvHeader? header = null;
        CsvRowAction? action = null;
        try
        {
            using var reader = Sep.New(',').Reader(o => o with
            {
                HasHeader = false,
                Unescape = true,
                Trim = SepTrim.All,
                DisableColCountCheck = true,
                CultureInfo = System.Globalization.CultureInfo.InvariantCulture,
            }).FromFile(path);
            foreach (var row in reader)
            {
                if (IsBlank(row)) continue;
                // Sep 0.17 numbers the first row's start as line 2; every later row's start is right.
                var line = row.RowIndex == 0 ? 1 : row.LineNumberFrom;
                if (action is not null)
                {
                    action(line, row);
                    continue;
                }
                header = new CsvHeader(line, Cells(row).Select(c => c.ToLowerInvariant()).ToArray());
                if (begin is null) break;
                action = begin(header);
            }
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException or System.Text.DecoderFallbackException)
        {
            Throw.BadInput($"{path}: not readable as CSV ({e.Message}), expected {expected}");
        }
        return header ?? Throw.BadInput<CsvHeader>($"{path}:1: empty file, expected {expected} (a header line first)");
    }

    private static bool IsBlank(SepReader.Row row)
    {
        for (var i = 0; i < row.ColCount; i++) if (!row[i].Span.IsWhiteSpace()) return false;
        return true;
    }

    private static string[] Cells(SepReader.Row row)
    {
        var cells = new string[row.ColCount];
        for (var i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
        return cells;
    }
}

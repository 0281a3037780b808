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

/// <summary>
/// Reads CSV files that people bring (pair lists, trajectories from other training code) with a real CSV parser (Sep):
/// RFC 4180 quoting (separators, quotes and line breaks inside quoted cells), a UTF-8 byte-order mark, CRLF or LF line ends.
/// The first non-blank line is the header. Every problem is <see cref="BadInputException"/> naming the file and line.
/// </summary>
public static class UserCsv
{
    /// <summary>Reads <paramref name="path"/>; <paramref name="expected"/> describes the wanted content for messages ("a CSV with columns a,b").</summary>
    public static CsvTable Read(string path, string expected)
    {
        if (!File.Exists(path)) Throw.BadInput($"{path}: file not found, expected {expected}");
        var rows = new List<CsvRow>();
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
                var cells = new string[row.ColCount];
                for (var i = 0; i < cells.Length; i++) cells[i] = row[i].ToString();
                if (cells.All(string.IsNullOrWhiteSpace)) continue;
                // Sep 0.17 numbers the first row's start as line 2; every later row's start is right.
                rows.Add(new CsvRow(row.RowIndex == 0 ? 1 : row.LineNumberFrom, cells));
            }
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException or ArgumentException or System.Text.DecoderFallbackException)
        {
            Throw.BadInput($"{path}: not readable as CSV ({e.Message}), expected {expected}");
        }
        if (rows.Count == 0) Throw.BadInput($"{path}:1: empty file, expected {expected} (a header line first)");
        var header = rows[0];
        var columns = header.Cells.Select(c => c.ToLowerInvariant()).ToArray();
        return new CsvTable(path, header.Line, columns, rows.Skip(1).ToArray());
    }
}

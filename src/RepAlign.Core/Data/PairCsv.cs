using System.Globalization;
using RepAlign.Core.Tables;

namespace RepAlign.Core.Data;

/// <summary>The CSV form of a pair selection: a header naming columns a and b, then one pair of 0-based image indices per line.</summary>
internal static class PairCsv
{
    /// <summary>Reads a CSV of index pairs (<see cref="UserCsv"/>: quoting, BOM, CRLF): a header naming columns a and b, then one pair per line; blank lines are skipped.</summary>
    internal static (int A, int B)[] Read(string path, int n)
    {
        var table = UserCsv.Read(path, "a CSV file of index pairs with a header naming the columns a and b");
        int colA = table.IndexOf("a"), colB = table.IndexOf("b"), width = table.Columns.Count;
        if (colA < 0 || colB < 0)
            Throw.BadInput($"{path}:{table.HeaderLine}: header '{string.Join(",", table.Columns)}', expected a header naming the columns a and b (e.g. a,b)");
        var pairs = new List<(int, int)>();
        foreach (var row in table.Rows)
        {
            if (row.Cells.Count != width) Throw.BadInput($"{path}:{row.Line}: {row.Cells.Count} fields, expected {width} as in the header");
            var a = Index(row.Cells[colA], "a", path, row.Line, n);
            var b = Index(row.Cells[colB], "b", path, row.Line, n);
            if (a == b) Throw.BadInput($"{path}:{row.Line}: a = b = {a}, expected two different images");
            if (pairs.Count >= PairSelection.MaxPairs) Throw.BadInput($"{path}:{row.Line}: more than {PairSelection.MaxPairs} pairs, the limit");
            pairs.Add((a, b));
        }
        if (pairs.Count == 0) Throw.BadInput($"{path}: no pairs after the header, expected at least one line a,b");
        return pairs.ToArray();
    }

    private static int Index(string cell, string column, string path, int line, int n)
    {
        var text = cell.Trim();
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            Throw.BadInput($"{path}:{line}: {column} = '{text}', expected an integer image index 0..{n - 1}");
        if (value < 0 || value >= n)
            Throw.BadInput($"{path}:{line}: {column} = {value} is out of range, expected an image index 0..{n - 1} (the data set has {n} images)");
        return (int)value;
    }
}

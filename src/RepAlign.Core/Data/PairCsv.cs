using System.Globalization;

namespace RepAlign.Core.Data;

/// <summary>The CSV form of a pair selection: a header naming columns a and b, then one pair of 0-based image indices per line.</summary>
internal static class PairCsv
{
    /// <summary>Reads a CSV of index pairs: a header naming columns a and b, then one pair per line; blank lines are skipped.</summary>
    internal static (int A, int B)[] Read(string path, int n)
    {
        if (!System.IO.File.Exists(path)) Throw.BadInput($"{path}: file not found, expected a CSV file of index pairs with columns a,b");
        var pairs = new List<(int, int)>();
        int colA = -1, colB = -1, width = 0;
        var lineNo = 0;
        foreach (var raw in System.IO.File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            if (colA < 0)
            {
                var names = cells.Select(c => c.Trim().Trim('"').ToLowerInvariant()).ToList();
                colA = names.IndexOf("a");
                colB = names.IndexOf("b");
                width = names.Count;
                if (colA < 0 || colB < 0)
                    Throw.BadInput($"{path}:{lineNo}: header '{line}', expected a header naming the columns a and b (e.g. a,b)");
                continue;
            }
            if (cells.Length != width) Throw.BadInput($"{path}:{lineNo}: {cells.Length} fields, expected {width} as in the header");
            var a = Index(cells[colA], "a", path, lineNo, n);
            var b = Index(cells[colB], "b", path, lineNo, n);
            if (a == b) Throw.BadInput($"{path}:{lineNo}: a = b = {a}, expected two different images");
            if (pairs.Count >= PairSelection.MaxPairs) Throw.BadInput($"{path}:{lineNo}: more than {PairSelection.MaxPairs} pairs, the limit");
            pairs.Add((a, b));
        }
        if (colA < 0) Throw.BadInput($"{path}: empty file, expected a header a,b and at least one pair");
        if (pairs.Count == 0) Throw.BadInput($"{path}: no pairs after the header, expected at least one line a,b");
        return pairs.ToArray();
    }

    private static int Index(string cell, string column, string path, int line, int n)
    {
        var text = cell.Trim().Trim('"');
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            Throw.BadInput($"{path}:{line}: {column} = '{text}', expected an integer image index 0..{n - 1}");
        if (value < 0 || value >= n)
            Throw.BadInput($"{path}:{line}: {column} = {value} is out of range, expected an image index 0..{n - 1} (the data set has {n} images)");
        return (int)value;
    }
}

using System.Globalization;
using Parquet;
using RepAlign.Core;
using RepAlign.Core.Tables;
using RepAlign.Theory;

namespace RepAlign.Pipelines.Fitting;

/// <summary>
/// Reads a long table of many trajectories (CSV or Parquet): one row per (pair, layer, epoch) with columns
/// <c>pair</c> and/or <c>layer</c>, <c>epoch, h2, y2, w</c>, per-row <c>dx2, dy2</c> (or the defaults given) and
/// optionally <c>loss, ybar0, a, b, label_a, label_b</c>. Rows may come in any order; each (pair, layer) is one
/// trajectory, sorted by epoch. Bad input names the file, line (CSV) or row (Parquet), column, what was found and
/// what was expected. A table without pair and layer columns is one trajectory (pair 0, layer 0).
/// </summary>
public static class TrajectoryTable
{
    private static readonly string[] Required = ["epoch", "h2", "y2", "w"];
    private const string Expected = "columns pair and/or layer, epoch, h2, y2, w, dx2, dy2 and optionally loss, ybar0, a, b, label_a, label_b";
    private const string CsvExpected = "a CSV table with a header line and " + Expected;

    /// <summary>Whether a header (lower-cased column names) is a long table: it has a pair or a layer column.</summary>
    public static bool IsLong(IEnumerable<string> columns) => columns.Any(c => c is "pair" or "layer");

    /// <summary>The lower-cased column names of a CSV or Parquet file (by extension).</summary>
    public static IReadOnlyList<string> Columns(string path)
    {
        Exists(path);
        if (IsParquet(path))
        {
            return ParquetGroups.Readable(path, $"not a readable Parquet file; expected a table with {Expected}",
                () => ParquetGroups.WithReader(path, reader => reader.Schema.GetDataFields().Select(f => f.Name.ToLowerInvariant()).ToArray()));
        }
        return UserCsv.ReadHeader(path, CsvExpected).Columns;
    }

    /// <summary>
    /// Reads every trajectory of the table, ordered by (pair, layer). <paramref name="dx2"/> and <paramref name="dy2"/>
    /// are used where the table has no such column (NaN = the column is required).
    /// </summary>
    public static IReadOnlyList<TrajectoryInput> Read(string path, double dx2 = double.NaN, double dy2 = double.NaN)
    {
        Exists(path);
        var columns = IsParquet(path) ? ReadParquet(path) : ReadCsv(path);
        return Group(path, columns, dx2, dy2);
    }

    /// <summary>The table as named numeric columns, with where each row came from (a CSV line or a Parquet row).</summary>
    private sealed record LongColumns(Dictionary<string, double[]> Values, int[] Where, string WhereName);

    private static bool IsParquet(string path) => path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);

    private static void Exists(string path)
    {
        if (!File.Exists(path)) Throw.BadInput($"{path}: file not found, expected a CSV or Parquet table with {Expected}");
    }

    private static LongColumns ReadCsv(string path)
    {
        var values = new Dictionary<string, List<double>>();
        var lines = new List<int>();
        UserCsv.ForEachRow(path, CsvExpected, header =>
        {
            var names = header.Columns;
            var known = KnownColumns(path, names, header.Line.ToString(CultureInfo.InvariantCulture));
            foreach (var (name, _) in known) values[name] = [];
            return (line, row) =>
            {
                if (row.ColCount != names.Count)
                    Throw.BadInput($"{path}:{line}: found {row.ColCount} cells, expected {names.Count} (one per header column)");
                foreach (var (name, index) in known)
                {
                    var cell = row[index].Span;
                    if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
                        Throw.BadInput($"{path}:{line}: column '{name}': found '{cell.ToString()}', expected a number");
                    values[name].Add(v);
                }
                lines.Add(line);
            };
        });
        return new LongColumns(values.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), lines.ToArray(), "line");
    }

    /// <summary>The Parquet table's columns; anything the Parquet library throws on a damaged file is bad input naming it.</summary>
    private static LongColumns ReadParquet(string path) =>
        ParquetGroups.Readable(path, $"not a readable Parquet file; expected a table with {Expected}", () => ReadParquetColumns(path));

    private static LongColumns ReadParquetColumns(string path) => ParquetGroups.WithReader(path, reader =>
    {
        var fields = reader.Schema.GetDataFields();
        var names = fields.Select(f => f.Name.ToLowerInvariant()).ToArray();
        var known = KnownColumns(path, names, "schema");
        var values = known.ToDictionary(k => k.Name, _ => new List<double>());
        var rows = 0;
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var n = checked((int)group.RowCount);
            foreach (var (name, index) in known)
                values[name].AddRange(ReadNumbers(group, fields[index], n, path, name, rows));
            rows += n;
        }
        return new LongColumns(values.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray()), Enumerable.Range(1, rows).ToArray(), "row");
    });

    /// <summary>A numeric Parquet column (double, float, int or long; nullable without nulls) as doubles.</summary>
    private static double[] ReadNumbers(ParquetRowGroupReader group, Parquet.Schema.DataField field, int n, string path, string name, int offset)
    {
        var type = field.ClrType;
        if (type == typeof(double)) return Read<double>(group, field, n, x => x, path, name, offset);
        if (type == typeof(float)) return Read<float>(group, field, n, x => x, path, name, offset);
        if (type == typeof(int)) return Read<int>(group, field, n, x => x, path, name, offset);
        if (type == typeof(long)) return Read<long>(group, field, n, x => x, path, name, offset);
        return Throw.BadInput<double[]>($"{path}: column '{name}': found type {type.Name}, expected a number (double, float, int or long)");
    }

    private static double[] Read<T>(ParquetRowGroupReader group, Parquet.Schema.DataField field, int n, Func<T, double> convert,
        string path, string name, int offset) where T : struct
    {
        if (field.IsArray) Throw.BadInput($"{path}: column '{name}': found a list column, expected one number per row");
        if (!field.IsNullable)
        {
            var buffer = new T[n];
            group.ReadAsync<T>(field, buffer.AsMemory(), null).GetAwaiter().GetResult();
            return Array.ConvertAll(buffer, x => convert(x));
        }
        var nullable = new T?[n];
        group.ReadAsync<T>(field, nullable.AsMemory(), null).GetAwaiter().GetResult();
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            if (nullable[i] is not { } v) return Throw.BadInput<double[]>($"{path}: row {offset + i + 1}: column '{name}': found an empty cell, expected a number");
            result[i] = convert(v);
        }
        return result;
    }

    /// <summary>The columns the reader uses and their indices; the required ones must be there.</summary>
    private static List<(string Name, int Index)> KnownColumns(string path, IReadOnlyList<string> names, string where)
    {
        foreach (var r in Required)
        {
            if (!names.Contains(r)) Throw.BadInput($"{path}:{where}: missing column '{r}' (found columns: {string.Join(",", names)}; expected {Expected})");
        }
        string[] optional = ["pair", "layer", "dx2", "dy2", "loss", "ybar0", "a", "b", "label_a", "label_b"];
        var index = names.Select((name, i) => (name, i)).GroupBy(c => c.name).ToDictionary(g => g.Key, g => g.First().i);
        return Required.Concat(optional).Where(index.ContainsKey).Select(n => (n, index[n])).ToList();
    }

    private static IReadOnlyList<TrajectoryInput> Group(string path, LongColumns table, double dx2Default, double dy2Default)
    {
        var v = table.Values;
        var rows = table.Where.Length;
        if (rows == 0) Throw.BadInput($"{path}: no data rows after the header, expected one row per (pair, layer, epoch)");
        double[] Col(string name, double fallback) => v.TryGetValue(name, out var c) ? c : Enumerable.Repeat(fallback, rows).ToArray();
        int Int(string column, int row)
        {
            var x = v[column][row];
            if (x != Math.Floor(x) || x < int.MinValue || x > int.MaxValue)
                Throw.BadInput($"{path}:{table.WhereName} {table.Where[row]}: column '{column}': found {x.ToString(CultureInfo.InvariantCulture)}, expected an integer");
            return (int)x;
        }
        foreach (var (name, fallback) in new[] { ("dx2", dx2Default), ("dy2", dy2Default) })
        {
            if (!v.ContainsKey(name) && double.IsNaN(fallback))
                Throw.BadInput($"{path}: no column '{name}' and no --{name} given; expected a per-row {name} column (or --{name} for every trajectory)");
        }
        var (dx2, dy2) = (Col("dx2", dx2Default), Col("dy2", dy2Default));
        var groups = new SortedDictionary<(int Pair, int Layer), List<int>>();
        for (var i = 0; i < rows; i++)
        {
            var key = (v.ContainsKey("pair") ? Int("pair", i) : 0, v.ContainsKey("layer") ? Int("layer", i) : 0);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(i);
        }
        var hasLoss = v.TryGetValue("loss", out var loss);
        var hasYbar = v.TryGetValue("ybar0", out var ybar);
        var result = new List<TrajectoryInput>(groups.Count);
        foreach (var ((pair, layer), list) in groups)
        {
            var idx = list.OrderBy(i => v["epoch"][i]).ToArray();
            var first = idx[0];
            for (var k = 0; k < idx.Length; k++)
            {
                var i = idx[k];
                string At() => $"{path}:{table.WhereName} {table.Where[i]}";
                if (k > 0 && v["epoch"][i] == v["epoch"][idx[k - 1]])
                    Throw.BadInput($"{At()}: column 'epoch': found {v["epoch"][i].ToString(CultureInfo.InvariantCulture)} twice for pair {pair}, layer {layer}, expected one row per (pair, layer, epoch)");
                if (dx2[i] != dx2[first] || dy2[i] != dy2[first])
                    Throw.BadInput($"{At()}: columns 'dx2'/'dy2': found {dx2[i].ToString(CultureInfo.InvariantCulture)}/{dy2[i].ToString(CultureInfo.InvariantCulture)} for pair {pair}, layer {layer}, expected the same as its first row ({dx2[first].ToString(CultureInfo.InvariantCulture)}/{dy2[first].ToString(CultureInfo.InvariantCulture)})");
            }
            if (!(dx2[first] > 0) || double.IsInfinity(dx2[first]))
                Throw.BadInput($"{path}:{table.WhereName} {table.Where[first]}: column 'dx2': found {dx2[first].ToString(CultureInfo.InvariantCulture)} for pair {pair}, layer {layer}, expected a finite number > 0");
            if (!(dy2[first] >= 0) || double.IsInfinity(dy2[first]))
                Throw.BadInput($"{path}:{table.WhereName} {table.Where[first]}: column 'dy2': found {dy2[first].ToString(CultureInfo.InvariantCulture)} for pair {pair}, layer {layer}, expected a finite number ≥ 0");
            double[] Pick(double[] c) => idx.Select(i => c[i]).ToArray();
            var t = new Trajectory(Pick(v["epoch"]), Pick(v["h2"]), Pick(v["y2"]), Pick(v["w"]),
                hasLoss ? Pick(loss!) : null, hasYbar ? Pick(ybar!) : null);
            int Opt(string column) => v.ContainsKey(column) ? Int(column, first) : -1;
            result.Add(new TrajectoryInput(pair, layer, Opt("a"), Opt("b"), Opt("label_a"), Opt("label_b"), dx2[first], dy2[first], t));
        }
        return result;
    }
}

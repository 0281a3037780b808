using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Parquet;
using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>
/// What of a run folder must be the same after any interruption and resume: every table by content (Parquet and CSV,
/// columns of wall-clock seconds left out), checkpoints by bytes, and run.json minus times. Each is reduced to a hash.
/// </summary>
public static partial class RunDigest
{
    /// <summary>Column names of wall-clock times (fit_seconds, seconds): they differ between any two runs.</summary>
    public static bool IsTiming(string column) => column.EndsWith("seconds", StringComparison.Ordinal);

    /// <summary>SHA-256 of a Parquet table's schema (names and types) and every row, timing columns left out.</summary>
    public static string ParquetHash(string path)
    {
        using var stream = File.OpenRead(path);
        var reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        try
        {
            var fields = reader.Schema.GetDataFields().Where(f => !IsTiming(f.Name)).ToArray();
            var text = new StringBuilder(string.Join(',', fields.Select(f => $"{f.Name}:{f.ClrType.Name}"))).Append('\n');
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var n = checked((int)group.RowCount);
                var columns = fields.Select(f => Column(group, f, n)).ToArray();
                for (var r = 0; r < n; r++)
                {
                    foreach (var column in columns) text.Append(Cell(column.GetValue(r))).Append('\u001f');
                    text.Append('\n');
                }
            }
            return Sha(text.ToString());
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>One column of a row group as an array (the types RepAlign's tables hold).</summary>
    private static Array Column(ParquetRowGroupReader group, Parquet.Schema.DataField field, int n)
    {
        Array Read<T>() where T : struct
        {
            if (field.IsNullable)
            {
                var nullable = new T?[n];
                group.ReadAsync(field, nullable.AsMemory()).GetAwaiter().GetResult();
                return nullable;
            }
            var values = new T[n];
            group.ReadAsync(field, values.AsMemory()).GetAwaiter().GetResult();
            return values;
        }
        if (field.ClrType == typeof(string) || field.ClrType == typeof(ReadOnlyMemory<char>)) // Parquet.Net 6 types string columns so
        {
            var strings = new string?[n];
            group.ReadAsync(field, strings.AsMemory()).GetAwaiter().GetResult();
            return strings;
        }
        return field.ClrType switch
        {
            var t when t == typeof(double) => Read<double>(),
            var t when t == typeof(float) => Read<float>(),
            var t when t == typeof(int) => Read<int>(),
            var t when t == typeof(long) => Read<long>(),
            var t when t == typeof(bool) => Read<bool>(),
            var t when t == typeof(short) => Read<short>(),
            var t when t == typeof(byte) => Read<byte>(),
            var t when t == typeof(DateTime) => Read<DateTime>(),
            _ => throw new NotSupportedException($"{field.Name}: column type {field.ClrType.Name} not compared"),
        };
    }

    /// <summary>
    /// SHA-256 of run.json minus times: the pipeline, spec, overrides, inputs, checkpoints and versions, and per stage its
    /// state, its message with durations blanked, and its inputs and outputs, each file's hash replaced by the content
    /// hash of the file it names (<see cref="ContentHash"/>: for a table, without its timing columns). Left out: the run
    /// id (the folder's name), created_utc, started_utc, seconds, holder, and the cache key (it hashes input hashes,
    /// timing columns included). Also checks that every recorded output hash is that of the file now on disk.
    /// </summary>
    /// <param name="runFolder">The run folder.</param>
    /// <param name="messages">Compare stage messages too (false for a sharded run against a local one: its merged stages say so).</param>
    public static string ManifestHash(string runFolder, bool messages = true) => Sha(ManifestText(runFolder, messages));

    /// <summary>run.json as <see cref="ManifestHash"/> compares it, indented.</summary>
    public static string ManifestText(string runFolder, bool messages = true)
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(runFolder, "run.json")))!.AsObject();
        foreach (var name in new[] { "run_id", "created_utc" }) json.Remove(name);
        foreach (var (_, node) in json["stages"]!.AsObject())
        {
            var stage = node!.AsObject();
            foreach (var name in new[] { "started_utc", "seconds", "holder", "cache_key" }) stage.Remove(name);
            stage["message"] = messages ? Durations().Replace(stage["message"]!.GetValue<string>(), "#") : "";
            foreach (var (file, hash) in stage["outputs"]!.AsObject().ToArray())
            {
                var full = Path.Combine(runFolder, file);
                Assert.True(Hashing.File(full) == hash!.GetValue<string>(), $"{full}: run.json records another hash than the file's");
                stage["outputs"]![file] = ContentHash(full);
            }
            foreach (var (file, _) in stage["inputs"]!.AsObject().ToArray())
            {
                var full = Path.IsPathRooted(file) ? file : Path.Combine(runFolder, file);
                if (!Path.IsPathRooted(file)) stage["inputs"]![file] = File.Exists(full) ? ContentHash(full) : "absent";
            }
        }
        return json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The first line where two run folders' run.json (as compared) differ, for the harness's report.</summary>
    public static string FirstDifference(string expectedFolder, string actualFolder, bool messages = true)
    {
        var (a, b) = (ManifestText(expectedFolder, messages).Split('\n'), ManifestText(actualFolder, messages).Split('\n'));
        for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            var (x, y) = (i < a.Length ? a[i].Trim() : "(end)", i < b.Length ? b[i].Trim() : "(end)");
            if (x != y) return $"line {i + 1}: expected {x} found {y}";
        }
        return "none";
    }

    /// <summary>
    /// A file's content hash for comparison: tables by content without timing columns, the HTML report without the
    /// chart ids Plotly.NET draws at random for every chart, other files by bytes.
    /// </summary>
    public static string ContentHash(string path) => Path.GetExtension(path) switch
    {
        ".parquet" => ParquetHash(path),
        ".csv" => TinyRuns.TableHash(path),
        ".html" => Sha(ChartIds().Replace(File.ReadAllText(path), "#")),
        _ => Hashing.File(path),
    };

    /// <summary>A GUID, with or without dashes (Plotly.NET's div ids and render function names).</summary>
    [GeneratedRegex("[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")]
    private static partial Regex ChartIds();

    /// <summary>Durations and rates in stage messages: "2.3 s", "(15.5 ms/epoch)", "84 images/s".</summary>
    [GeneratedRegex(@"\d+(\.\d+)?(E[-+]?\d+)? ?(ms/epoch|ms|s|[A-Za-z]+/s)\b")]
    private static partial Regex Durations();

    private static string Cell(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}

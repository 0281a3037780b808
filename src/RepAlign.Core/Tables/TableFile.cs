using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Serialization;
using Parquet;
using Parquet.Serialization;
using RepAlign.Core.Runs;

namespace RepAlign.Core.Tables;

/// <summary>Reads and writes RepAlign's tables: Parquet always, CSV beside it on request. Writes are atomic.</summary>
public static class TableFile
{
    private static readonly ParquetOptions ParquetOptions = new() { CompressionMethod = CompressionMethod.Snappy };

    /// <summary>Writes <paramref name="rows"/> to <paramref name="parquetPath"/> and, when <paramref name="csv"/>, to the same name with .csv.</summary>
    public static void Write<T>(IReadOnlyCollection<T> rows, string parquetPath, bool csv) where T : class, new()
    {
        AtomicFile.Write(parquetPath, s => ParquetSerializer.SerializeAsync(rows, s, ParquetOptions).GetAwaiter().GetResult());
        if (csv) WriteCsv(rows, Path.ChangeExtension(parquetPath, ".csv"));
    }

    /// <summary>Reads a Parquet table written by <see cref="Write{T}"/>.</summary>
    public static IList<T> Read<T>(string parquetPath) where T : class, new()
    {
        ParquetGroups.MustExist(parquetPath);
        return ParquetGroups.Readable(parquetPath, $"not a readable {typeof(T).Name} table", () =>
        {
            using var stream = File.OpenRead(parquetPath);
            ParquetFooter.Check(stream, parquetPath);
            return ParquetSerializer.DeserializeAsync<T>(stream).GetAwaiter().GetResult().Data;
        });
    }

    /// <summary>Writes rows as CSV (header from the column names, invariant culture, round-trip doubles).</summary>
    public static void WriteCsv<T>(IEnumerable<T> rows, string path)
    {
        var columns = Columns<T>();
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            writer.Write(string.Join(',', columns.Select(c => c.Name)));
            writer.Write('\n');
            var line = new StringBuilder();
            foreach (var row in rows)
            {
                line.Clear();
                for (var i = 0; i < columns.Length; i++)
                {
                    if (i > 0) line.Append(',');
                    line.Append(Format(columns[i].Property.GetValue(row)));
                }
                line.Append('\n');
                writer.Write(line);
            }
        });
    }

    /// <summary>Writes rows of <typeparamref name="T"/> each preceded by extra columns (e.g. a sweep's settings),
    /// as Parquet and, when <paramref name="csv"/>, CSV. Extra columns are strings, ints, doubles or bools.</summary>
    public static void WriteWithColumns<T>(IReadOnlyList<(IReadOnlyList<(string Name, object Value)> Extra, T Row)> rows, string parquetPath, bool csv)
    {
        var columns = Columns<T>();
        var extra = rows.Count > 0 ? rows[0].Extra.Select(e => (e.Name, Type: e.Value.GetType())).ToArray() : [];
        var fields = extra.Select(e => Field(e.Name, e.Type))
            .Concat(columns.Select(c => Field(c.Name, c.Property.PropertyType)))
            .ToArray();
        var schema = new Parquet.Schema.ParquetSchema(fields);
        var records = rows.Select(r =>
        {
            IDictionary<string, object?> d = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (name, value) in r.Extra) d[name] = value;
            foreach (var c in columns) d[c.Name] = c.Property.GetValue(r.Row);
            return d;
        }).ToArray();
        AtomicFile.Write(parquetPath, s => ParquetSerializer.SerializeUntypedAsync(records, schema, s, ParquetOptions).GetAwaiter().GetResult());
        if (!csv) return;
        AtomicFile.Write(Path.ChangeExtension(parquetPath, ".csv"), stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
            writer.Write(string.Join(',', fields.Select(f => f.Name)));
            writer.Write('\n');
            foreach (var record in records)
            {
                writer.Write(string.Join(',', fields.Select(f => Format(record[f.Name]))));
                writer.Write('\n');
            }
        });
    }

    private static Parquet.Schema.DataField Field(string name, Type type) => new(name, type, isNullable: false);

    /// <summary>The column names of a row type, in declaration order.</summary>
    public static IReadOnlyList<string> ColumnNames<T>() => Columns<T>().Select(c => c.Name).ToArray();

    private static (string Name, PropertyInfo Property)[] Columns<T>() =>
        typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? p.Name, p))
            .ToArray();

    private static string Format(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s when s.AsSpan().IndexOfAny(",\"\n\r") >= 0 => "\"" + s.Replace("\"", "\"\"") + "\"",
        _ => value.ToString() ?? "",
    };
}

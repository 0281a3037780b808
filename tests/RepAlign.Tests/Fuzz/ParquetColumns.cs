using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace RepAlign.Tests.Fuzz;

/// <summary>Writes Parquet files column by column with Parquet.Net's own writer, as other tools would: any column types, nulls, row groups.</summary>
public static class ParquetColumns
{
    /// <summary>One column: name, CLR type (double, float, int, long, bool, string), nullability and a value per row (null only where nullable).</summary>
    public sealed record Column(string Name, Type Type, bool Nullable, object?[] Values);

    /// <summary><paramref name="x"/> as a value of <paramref name="type"/>.</summary>
    public static object As(double x, Type type) => Convert.ChangeType(x, type, CultureInfo.InvariantCulture);

    /// <summary>The file's bytes: <paramref name="columns"/>, in row groups of the given sizes (a 0 alone: no row group at all).</summary>
    public static byte[] Write(IReadOnlyList<Column> columns, int[] groups)
    {
        var fields = columns.Select(c => new DataField(c.Name, c.Type, isNullable: c.Nullable)).ToArray();
        using var stream = new MemoryStream();
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), stream).GetAwaiter().GetResult();
        var start = 0;
        foreach (var size in groups.Where(g => g > 0))
        {
            using (var group = writer.CreateRowGroup())
            {
                for (var c = 0; c < columns.Count; c++) WriteColumn(group, fields[c], columns[c], start, size);
                group.CompleteValidate();
            }
            start += size;
        }
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return stream.ToArray();
    }

    private static void WriteColumn(ParquetRowGroupWriter group, DataField field, Column column, int start, int count)
    {
        var values = column.Values.Skip(start).Take(count).ToArray();
        if (column.Type == typeof(string))
        {
            group.WriteAsync(field, values.Select(v => (string?)v).ToArray()).GetAwaiter().GetResult();
            return;
        }
        Action write = column.Type switch
        {
            var t when t == typeof(double) => () => Typed<double>(group, field, values, column.Nullable),
            var t when t == typeof(float) => () => Typed<float>(group, field, values, column.Nullable),
            var t when t == typeof(int) => () => Typed<int>(group, field, values, column.Nullable),
            var t when t == typeof(long) => () => Typed<long>(group, field, values, column.Nullable),
            var t when t == typeof(bool) => () => Typed<bool>(group, field, values, column.Nullable),
            _ => throw new NotSupportedException(column.Type.Name),
        };
        write();
    }

    private static void Typed<T>(ParquetRowGroupWriter group, DataField field, object?[] values, bool nullable) where T : struct
    {
        if (nullable) group.WriteAsync<T>(field, new ReadOnlyMemory<T?>(values.Select(v => v is null ? (T?)null : (T)v).ToArray())).GetAwaiter().GetResult();
        else group.WriteAsync<T>(field, new ReadOnlyMemory<T>(values.Select(v => (T)v!).ToArray())).GetAwaiter().GetResult();
    }
}

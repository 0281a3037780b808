using System.Reflection;
using System.Text.Json.Serialization;
using Parquet;
using Parquet.Schema;

namespace RepAlign.Core.Tables;

/// <summary>
/// One Parquet column of a row type: the public property named by the field (<c>[JsonPropertyName]</c> or its own name),
/// gathered from rows into a reused buffer to write a row group, or read from a row group into rows. The columnar
/// path of <see cref="ParquetStream{T}"/> and <see cref="ParquetGroups"/>: it allocates per row group only what the group
/// holds (Parquet.Net's own row-group deserialiser sizes its list by the rows of the whole file).
/// </summary>
/// <typeparam name="T">The row type.</typeparam>
internal abstract class RowColumn<T>(DataField field) where T : class, new()
{
    /// <summary>The field of the row type's schema.</summary>
    public DataField Field { get; } = field;

    /// <summary>Reads the property of every row into the buffer.</summary>
    public abstract void Gather(ReadOnlySpan<T> rows);

    /// <summary>Writes the first <paramref name="count"/> gathered values as this column of the group.</summary>
    public abstract Task WriteAsync(ParquetRowGroupWriter group, int count);

    /// <summary>Whether a file's field holds values this column can read: the same CLR type, and for value types a required
    /// (non-nullable) field, as RepAlign writes them; anything else is left to Parquet.Net's serialiser and its checks.</summary>
    public abstract bool Reads(DataField fileField);

    /// <summary>Reads the file's column of one row group into the property of every row (rows.Length = the group's rows).</summary>
    public abstract Task ScatterAsync(ParquetRowGroupReader group, DataField fileField, T[] rows);

    /// <summary>Drops the buffer.</summary>
    public abstract void Release();

    /// <summary>The columns of the row type, in schema order.</summary>
    /// <exception cref="NotSupportedException">A property is neither a primitive value type nor a string.</exception>
    public static RowColumn<T>[] All(ParquetSchema schema) => schema.GetDataFields().Select(For).ToArray();

    private static RowColumn<T> For(DataField field)
    {
        var property = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .FirstOrDefault(p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? p.Name) == field.Name)
            ?? throw new NotSupportedException($"{typeof(T).Name}: no public property for Parquet column {field.Name}");
        var type = property.PropertyType;
        if (type == typeof(string)) return new StringColumn(field, property);
        if (!type.IsPrimitive || field.IsArray)
            throw new NotSupportedException($"{typeof(T).Name}.{property.Name}: column type {type.Name} is not supported (primitive value types and string only)");
        return (RowColumn<T>)Activator.CreateInstance(typeof(ValueColumn<>).MakeGenericType(typeof(T), type), field, property)!;
    }

    private sealed class ValueColumn<TValue>(DataField field, PropertyInfo property) : RowColumn<T>(field) where TValue : struct
    {
        private readonly Func<T, TValue> get = property.GetGetMethod()!.CreateDelegate<Func<T, TValue>>();
        private readonly Action<T, TValue>? set = property.GetSetMethod()?.CreateDelegate<Action<T, TValue>>();
        private TValue[] buffer = [];

        public override void Gather(ReadOnlySpan<T> rows)
        {
            if (buffer.Length < rows.Length) buffer = new TValue[rows.Length];
            for (var i = 0; i < rows.Length; i++) buffer[i] = get(rows[i]);
        }

        public override Task WriteAsync(ParquetRowGroupWriter group, int count) =>
            group.WriteAsync<TValue>(Field, buffer.AsMemory(0, count));

        public override bool Reads(DataField fileField) =>
            set is not null && fileField.ClrType == typeof(TValue) && !fileField.IsNullable && !fileField.IsArray;

        public override async Task ScatterAsync(ParquetRowGroupReader group, DataField fileField, T[] rows)
        {
            if (buffer.Length < rows.Length) buffer = new TValue[rows.Length];
            await group.ReadAsync<TValue>(fileField, buffer.AsMemory(0, rows.Length)).ConfigureAwait(false);
            for (var i = 0; i < rows.Length; i++) set!(rows[i], buffer[i]);
        }

        public override void Release() => buffer = [];
    }

    private sealed class StringColumn(DataField field, PropertyInfo property) : RowColumn<T>(field)
    {
        private readonly Func<T, string?> get = property.GetGetMethod()!.CreateDelegate<Func<T, string?>>();
        private readonly Action<T, string>? set = property.GetSetMethod()?.CreateDelegate<Action<T, string>>();
        private readonly List<string> buffer = [];

        public override void Gather(ReadOnlySpan<T> rows)
        {
            buffer.Clear();
            foreach (var row in rows) buffer.Add(get(row) ?? "");
        }

        public override Task WriteAsync(ParquetRowGroupWriter group, int count) => group.WriteAsync(Field, buffer);

        public override bool Reads(DataField fileField) => set is not null && fileField.ClrType == typeof(string) && !fileField.IsArray;

        public override async Task ScatterAsync(ParquetRowGroupReader group, DataField fileField, T[] rows)
        {
            var values = new string?[rows.Length];
            await group.ReadAsync(fileField, values.AsMemory()).ConfigureAwait(false);
            for (var i = 0; i < rows.Length; i++) set!(rows[i], values[i] ?? "");
        }

        public override void Release() => buffer.Clear();
    }
}

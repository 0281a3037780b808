using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace RepAlign.Core.Tables;

/// <summary>Reads a Parquet table one row group at a time (streaming stages), and its footer metadata.</summary>
public static class ParquetGroups
{
    /// <summary>Row groups, total rows and footer key-value metadata of a table.</summary>
    /// <param name="RowGroups">Number of row groups.</param>
    /// <param name="Rows">Total rows.</param>
    /// <param name="Metadata">Footer key-value metadata (empty when none).</param>
    public sealed record Info(int RowGroups, long Rows, IReadOnlyDictionary<string, string> Metadata);

    /// <summary>The table's row groups, rows and metadata, from the footer only.</summary>
    /// <param name="parquetPath">The table.</param>
    /// <exception cref="BadInputException">The file is missing or not Parquet.</exception>
    public static Info Describe(string parquetPath)
    {
        MustExist(parquetPath);
        return Readable(parquetPath, "not a readable Parquet table", () => WithReader(parquetPath, reader =>
        {
            long rows = 0;
            for (var g = 0; g < reader.RowGroupCount; g++) rows += reader.RowGroups[g].RowCount;
            return new Info(reader.RowGroupCount, rows, reader.CustomMetadata is { } m ? new Dictionary<string, string>(m) : new Dictionary<string, string>());
        }));
    }

    /// <summary>Opens <paramref name="path"/> with <see cref="Open"/>, runs <paramref name="read"/> on its reader and closes both.</summary>
    /// <exception cref="BadInputException">The file is not Parquet or its footer is damaged.</exception>
    public static TResult WithReader<TResult>(string path, Func<ParquetReader, TResult> read)
    {
        using var stream = File.OpenRead(path);
        var reader = Open(stream, path);
        try
        {
            return read(reader);
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Bad input naming <paramref name="parquetPath"/> when it does not exist.</summary>
    internal static void MustExist(string parquetPath)
    {
        if (!File.Exists(parquetPath)) Throw.BadInput($"{parquetPath}: file not found, expected a table written by an earlier stage");
    }

    /// <summary>
    /// The Parquet library's reader of <paramref name="stream"/> (the whole file <paramref name="path"/>), opened only
    /// after <see cref="ParquetFooter.Check"/> passed: every Parquet file RepAlign reads is opened here.
    /// </summary>
    /// <exception cref="BadInputException">The file is not Parquet or its footer is damaged.</exception>
    public static ParquetReader Open(Stream stream, string path)
    {
        ParquetFooter.Check(stream, path);
        return ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
    }

    /// <summary>The rows of each row group in turn; only one group is in memory at a time.</summary>
    /// <remarks>
    /// Row types of primitive and string columns (every table RepAlign writes) are read column by column into arrays the
    /// size of the group, so memory follows the largest group, not the file. Other row types go through Parquet.Net's
    /// serialiser, which sizes every group's list by the rows of the whole file.
    /// </remarks>
    /// <param name="parquetPath">A table written by <see cref="TableFile.Write{T}"/> or <see cref="ParquetStream{T}"/>.</param>
    /// <exception cref="BadInputException">The file is missing or not a table of <typeparamref name="T"/>.</exception>
    public static IEnumerable<IList<T>> Read<T>(string parquetPath) where T : class, new()
    {
        MustExist(parquetPath);
        using var stream = File.OpenRead(parquetPath);
        var reader = Guard(parquetPath, typeof(T).Name, "its footer", () => Open(stream, parquetPath)); // the footer checked and parsed once
        try
        {
            if (reader.RowGroupCount == 0) yield break;
            var plan = Guard(parquetPath, typeof(T).Name, "its schema", () => Columns<T>(reader.Schema));
            for (var g = 0; g < reader.RowGroupCount; g++)
            {
                var group = g;
                // The column buffers are reused from group to group and dropped with this enumerator.
                yield return Guard(parquetPath, typeof(T).Name, $"row group {group}",
                    () => plan is null ? Deserialize<T>(parquetPath, group) : ReadGroup(reader, group, plan));
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Each column of <typeparamref name="T"/> with the file's field it reads, or null when the columnar path does not apply.</summary>
    private static (RowColumn<T> Column, DataField File)[]? Columns<T>(ParquetSchema fileSchema) where T : class, new()
    {
        RowColumn<T>[] columns;
        try
        {
            columns = RowColumn<T>.All(typeof(T).GetParquetSchema(forWriting: false));
        }
        catch (NotSupportedException)
        {
            return null;
        }
        var fileFields = fileSchema.GetDataFields().ToDictionary(f => f.Name, StringComparer.Ordinal);
        var plan = new List<(RowColumn<T>, DataField)>();
        foreach (var column in columns)
        {
            if (!fileFields.TryGetValue(column.Field.Name, out var file)) continue; // absent column: the property keeps its default, as the serialiser does
            if (!column.Reads(file)) return null;
            plan.Add((column, file));
        }
        return plan.ToArray();
    }

    private static IList<T> Deserialize<T>(string parquetPath, int group) where T : class, new()
    {
        using var file = File.OpenRead(parquetPath);
        return ParquetSerializer.DeserializeAsync<T>(file, null, group).GetAwaiter().GetResult().Data;
    }

    private static T[] ReadGroup<T>(ParquetReader reader, int group, (RowColumn<T> Column, DataField File)[] plan) where T : class, new()
    {
        using var rowGroup = reader.OpenRowGroupReader(group);
        var rows = new T[checked((int)rowGroup.RowCount)];
        for (var i = 0; i < rows.Length; i++) rows[i] = new T();
        foreach (var (column, file) in plan) column.ScatterAsync(rowGroup, file, rows).GetAwaiter().GetResult();
        return rows;
    }

    private static TResult Guard<TResult>(string parquetPath, string rowType, string where, Func<TResult> read) =>
        Readable(parquetPath, $"{where} is not readable as a {rowType} table", read);

    /// <summary>
    /// Runs <paramref name="read"/> on a Parquet file a user gave or a stage wrote: whatever the Parquet library throws
    /// on a damaged file (its own format errors, Thrift errors, a length read from the file that overflows or does not
    /// fit in memory, an index out of range) is bad input naming the file: "<paramref name="path"/>:
    /// <paramref name="problem"/> (the library's message)". RepAlign's own errors and cancellation pass through.
    /// </summary>
    public static TResult Readable<TResult>(string path, string problem, Func<TResult> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is not (RepAlignException or OperationCanceledException))
        {
            return Throw.BadInput<TResult>($"{path}: {problem} ({e.GetType().Name}: {e.Message.Split('\n')[0].Trim()})");
        }
    }
}

using System.Reflection;
using System.Text.Json.Serialization;
using RepAlign.Core.Runs;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;

namespace RepAlign.Core.Tables;

/// <summary>
/// Writes a Parquet table one row group at a time, so that memory stays flat however many row
/// groups (checkpoints) a stage produces. The file is written under a temporary name in the
/// target folder and committed under its final name by <see cref="Complete"/> (synced to disk,
/// then renamed: <see cref="AtomicFile.Commit"/>); disposing without completing deletes the
/// temporary file, so readers never see a half-written table, nor a truncated one after a crash.
/// </summary>
/// <remarks>
/// The schema is the one <see cref="TableFile.Write{T}"/> writes for <typeparamref name="T"/>
/// (Parquet.Net's reflection of the row type, honouring <c>[JsonPropertyName]</c>), so
/// <see cref="TableFile.Read{T}"/> reads the result. Supported column types: the non-nullable
/// primitive value types and <see cref="string"/>. With CSV requested, the CSV is written by
/// <see cref="TableFile.WriteCsv{T}"/> at completion, streaming the Parquet file back one row
/// group at a time.
/// </remarks>
/// <typeparam name="T">The row type.</typeparam>
public sealed class ParquetStream<T> : IDisposable where T : class, new()
{
    private static readonly ParquetOptions Options = new()
    {
        CompressionMethod = CompressionMethod.Snappy,
        // Parquet.Net pools its page buffers; by default the pool never shrinks. Bound what it keeps.
        MaximumSmallPoolFreeBytes = 16 << 20,
        MaximumLargePoolFreeBytes = 64 << 20,
    };

    private readonly string finalPath;
    private readonly string tempPath;
    private readonly bool csv;
    private readonly Stream stream;
    private readonly ParquetWriter writer;
    private readonly ParquetSchema schema;
    private readonly RowColumn<T>[] columns;
    private bool completed;
    private bool disposed;

    private ParquetStream(string path, bool csv, IReadOnlyDictionary<string, string>? metadata)
    {
        finalPath = Path.GetFullPath(path);
        this.csv = csv;
        FileSync.CreateFolder(Path.GetDirectoryName(finalPath)!);
        tempPath = AtomicFile.TemporaryPath(finalPath);
        schema = typeof(T).GetParquetSchema(forWriting: false);
        columns = RowColumn<T>.All(schema);
        stream = AtomicFile.CreateTemporary(tempPath, finalPath, FileAccess.ReadWrite);
        try
        {
            writer = ParquetWriter.CreateAsync(schema, stream, Options).GetAwaiter().GetResult();
            if (metadata is not null) writer.CustomMetadata = metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        }
        catch
        {
            stream.Dispose();
            AtomicFile.Discard(tempPath);
            throw;
        }
    }

    /// <summary>Opens a streaming table that will become <paramref name="parquetPath"/> (and the same name with .csv when <paramref name="csv"/>).</summary>
    /// <param name="parquetPath">Final path of the Parquet file; its folder is created.</param>
    /// <param name="csv">Whether to write a CSV beside it at completion.</param>
    /// <param name="metadata">Key-value metadata stored in the Parquet footer (provenance), or null.</param>
    /// <returns>The open stream; call <see cref="Complete"/> when every row group is appended.</returns>
    public static ParquetStream<T> Create(string parquetPath, bool csv = false, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(parquetPath);
        return new ParquetStream<T>(parquetPath, csv, metadata);
    }

    /// <summary>The final path of the Parquet file.</summary>
    public string ParquetPath => finalPath;

    /// <summary>The final path of the CSV file, or null when none is written.</summary>
    public string? CsvPath => csv ? Path.ChangeExtension(finalPath, ".csv") : null;

    /// <summary>Rows appended so far.</summary>
    public long RowCount { get; private set; }

    /// <summary>Row groups appended so far.</summary>
    public int RowGroupCount { get; private set; }

    /// <summary>The column names, in file order.</summary>
    public IReadOnlyList<string> ColumnNames => columns.Select(c => c.Field.Name).ToArray();

    /// <summary>
    /// Appends <paramref name="rows"/> as one row group (nothing for an empty span). The rows are
    /// read during the call only, so the caller may reuse the row objects for the next group.
    /// </summary>
    /// <param name="rows">The rows of the group.</param>
    public void AppendRowGroup(ReadOnlySpan<T> rows)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (completed) Throw.Invariant($"{finalPath}: the table is already complete");
        if (rows.IsEmpty) return;
        using (var group = writer.CreateRowGroup())
        {
            foreach (var column in columns)
            {
                column.Gather(rows);
                column.WriteAsync(group, rows.Length).GetAwaiter().GetResult();
            }
            group.CompleteValidate();
        }
        RowCount += rows.Length;
        RowGroupCount++;
    }

    /// <summary>Finishes the file (footer), writes the CSV when requested, and commits the table durably under its final name.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (completed) return;
        writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        stream.Dispose();
        if (csv) TableFile.WriteCsv(ParquetGroups.Read<T>(tempPath).SelectMany(g => g), Path.ChangeExtension(finalPath, ".csv"));
        AtomicFile.Commit(tempPath, finalPath);
        completed = true;
        foreach (var column in columns) column.Release();
    }

    /// <summary>Closes the file; without <see cref="Complete"/> the temporary file is deleted and nothing is written.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (completed) return;
        try
        {
            writer.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ObjectDisposedException)
        {
            // The file is being abandoned; a footer that cannot be written does not matter.
        }
        stream.Dispose();
        AtomicFile.Discard(tempPath);
    }
}

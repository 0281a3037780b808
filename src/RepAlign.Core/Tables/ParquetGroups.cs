using Parquet;
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
        if (!File.Exists(parquetPath)) Throw.BadInput($"{parquetPath}: file not found, expected a table written by an earlier stage");
        try
        {
            using var stream = File.OpenRead(parquetPath);
            var reader = ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
            try
            {
                long rows = 0;
                for (var g = 0; g < reader.RowGroupCount; g++) rows += reader.RowGroups[g].RowCount;
                return new Info(reader.RowGroupCount, rows, reader.CustomMetadata is { } m ? new Dictionary<string, string>(m) : new Dictionary<string, string>());
            }
            finally
            {
                reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or NotSupportedException)
        {
            return Throw.BadInput<Info>($"{parquetPath}: not a readable Parquet table ({e.Message})");
        }
    }

    /// <summary>The rows of each row group in turn; only one group is in memory at a time.</summary>
    /// <param name="parquetPath">A table written by <see cref="TableFile.Write{T}"/> or <see cref="ParquetStream{T}"/>.</param>
    /// <exception cref="BadInputException">The file is missing or not a table of <typeparamref name="T"/>.</exception>
    public static IEnumerable<IList<T>> Read<T>(string parquetPath) where T : class, new()
    {
        var info = Describe(parquetPath);
        for (var g = 0; g < info.RowGroups; g++)
        {
            IList<T> rows;
            try
            {
                using var stream = File.OpenRead(parquetPath);
                rows = ParquetSerializer.DeserializeAsync<T>(stream, null, g).GetAwaiter().GetResult().Data;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or NotSupportedException)
            {
                rows = Throw.BadInput<IList<T>>($"{parquetPath}: row group {g} is not a readable {typeof(T).Name} table ({e.Message})");
            }
            yield return rows;
        }
    }
}

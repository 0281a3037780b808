using Parquet;
using Parquet.Serialization;
using RepAlign.Core;

namespace RepAlign.Pipelines.Cluster;

/// <summary>Reads a shard's Parquet table one row group at a time, so merging keeps each checkpoint's row group as a local run writes it.</summary>
public static class ShardTables
{
    /// <summary>The row groups of a table, in file order, one in memory at a time.</summary>
    public static IEnumerable<T[]> RowGroups<T>(string path) where T : class, new()
    {
        if (!File.Exists(path)) Throw.WorkFailed($"{path}: shard table missing; resubmit to run its shard again");
        int groups;
        using (var s = File.OpenRead(path))
        {
            var reader = ParquetReader.CreateAsync(s).GetAwaiter().GetResult();
            groups = reader.RowGroupCount;
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
        for (var g = 0; g < groups; g++)
        {
            using var s = File.OpenRead(path);
            yield return ParquetSerializer.DeserializeAsync<T>(s, null, g).GetAwaiter().GetResult().Data.ToArray();
        }
    }
}

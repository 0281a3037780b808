using RepAlign.Core;
using RepAlign.Core.Tables;

namespace RepAlign.Pipelines.Cluster;

/// <summary>Reads a shard's Parquet table one row group at a time, so merging keeps each row group as a local run writes it.</summary>
public static class ShardTables
{
    /// <summary>The row groups of a shard's table, in file order, one in memory at a time (<see cref="ParquetGroups.Read{T}"/>).</summary>
    /// <exception cref="WorkFailedException">The shard's table is missing: its task has to run again.</exception>
    public static IEnumerable<T[]> RowGroups<T>(string path) where T : class, new()
    {
        if (!File.Exists(path)) Throw.WorkFailed($"{path}: shard table missing; resubmit to run its shard again");
        return ParquetGroups.Read<T>(path).Select(g => g.ToArray());
    }
}

using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Cluster;

/// <summary>
/// Keys of shards: the stage's cache key (<see cref="Planner.Key"/>: its typed parameters and the content of what it reads)
/// and the shard's position, so a shard computed for other settings is redone.
/// </summary>
public static class ShardKeys
{
    /// <summary>Key of extract shard k of n: the extract stage's key over its declared inputs (data, pair CSV) and the checkpoint index, then k/n.</summary>
    public static string Extract(IStage extract, ExperimentSpec spec, RunLayout layout, int k, int n)
    {
        var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in extract.Inputs(spec, layout)) inputs[Path.GetFullPath(path)] = ContentHashes.Of(path);
        inputs[layout.Relative(layout.CheckpointIndex)] = Hashing.File(layout.CheckpointIndex);
        return Hashing.Text($"{Planner.Key(extract, spec, inputs)}\n{k}/{n}");
    }

    /// <summary>Key of fit shard k of n: the fit stage's key over the keys of every extract shard, then k/n.</summary>
    public static string Fit(IStage fit, IStage extract, ExperimentSpec spec, RunLayout layout, int k, int n)
    {
        var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++) inputs[$"extract shard {i} of {n}"] = Extract(extract, spec, layout, i, n);
        return Hashing.Text($"{Planner.Key(fit, spec, inputs)}\n{k}/{n}");
    }
}

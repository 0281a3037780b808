using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Cluster;

/// <summary>Keys of shards: the stage's typed parameters, its inputs and the shard's position, so a shard computed for other settings is redone.</summary>
public static class ShardKeys
{
    /// <summary>Key of extract shard k of n: extract parameters, the content of its declared inputs (data, pair CSV), the checkpoint index's hash, k/n.</summary>
    public static string Extract(IStage extract, ExperimentSpec spec, RunLayout layout, int k, int n)
    {
        var inputs = string.Join('\n', extract.Inputs(spec, layout).Select(ContentHashes.Of));
        return Hashing.Text($"{extract.Name}\n{RepAlignJson.ToCompact(extract.Parameters(spec))}\n{inputs}\n{Hashing.File(layout.CheckpointIndex)}\n{k}/{n}");
    }

    /// <summary>Key of fit shard k of n: fit parameters, the keys of every extract shard, k/n.</summary>
    public static string Fit(IStage fit, IStage extract, ExperimentSpec spec, RunLayout layout, int k, int n)
    {
        var inputs = string.Join('\n', Enumerable.Range(0, n).Select(i => Extract(extract, spec, layout, i, n)));
        return Hashing.Text($"{fit.Name}\n{RepAlignJson.ToCompact(fit.Parameters(spec))}\n{inputs}\n{k}/{n}");
    }
}

using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Pipelines.Cluster;

/// <summary>
/// The extract stage of a sharded run: joins the extract shards into the run's tables as the local stage writes them
/// (extract/pairs through the same <see cref="PairTableByPair"/> writer, fed checkpoint by checkpoint in checkpoint order;
/// the probe table one row group per checkpoint). Same name, dependencies and parameters as the stage it stands for,
/// so the runner gives it the same cache key and a later local run finds it up to date.
/// </summary>
/// <param name="extract">The ordinary extract stage.</param>
/// <param name="shards">Number of shards.</param>
public sealed class MergedExtractStage(IStage extract, int shards) : IStage
{
    /// <inheritdoc />
    public string Name => extract.Name;

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn => extract.DependsOn;

    /// <inheritdoc />
    public object Parameters(ExperimentSpec spec) => extract.Parameters(spec);

    /// <inheritdoc />
    public IReadOnlyList<string> Inputs(ExperimentSpec spec, RunLayout layout) => extract.Inputs(spec, layout);

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var (spec, layout) = (context.Spec, context.Layout);
        var folders = ShardTasks.RequireDone(context, extract, shards);
        var data = MnistData.Load(spec.Data);
        var selection = data.Pairs(spec);
        var metadata = ExtractRequests.Mnist(context, data, selection, []).Metadata;
        var checkpoints = MergePairs(folders, layout.Pairs, context.Csv, metadata);
        var outputs = new List<string> { layout.Pairs, layout.Accuracy };
        if (spec.Extract.LinearProbe)
        {
            Append<ProbeRow>(folders, ShardTasks.ProbeFile, layout.Probe, context.Csv, metadata);
            outputs.Add(layout.Probe);
        }
        var accuracy = folders.Select(f => Path.Combine(f, ShardTasks.AccuracyFile)).Where(File.Exists)
            .SelectMany(TableFile.Read<AccuracyRow>).ToArray();
        TableFile.Write(accuracy, layout.Accuracy, context.Csv);
        if (context.Csv) outputs.AddRange(outputs.ToArray().Select(o => Path.ChangeExtension(o, ".csv")));
        var final = accuracy.Length > 0 ? $", held-out accuracy {accuracy[^1].Accuracy:P1}" : "";
        return new StageOutcome(outputs, $"{selection.Description}: {checkpoints} checkpoints merged from {shards} shards{final}");
    }

    /// <summary>
    /// Feeds the shards' pair rows, checkpoint by checkpoint (shards in order, checkpoints in each shard's order), through the
    /// writer the local extract uses; returns the number of checkpoints. A shard table may be grouped by pair or by
    /// checkpoint: its checkpoints are rebuilt from the rows' epochs, in the order they first appear. Memory is one shard table.
    /// </summary>
    private static int MergePairs(IEnumerable<string> folders, string target, bool csv, IReadOnlyDictionary<string, string>? metadata)
    {
        using var table = PairTableByPair.Create(target, csv, metadata);
        var checkpoints = 0;
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, ShardTasks.PairsFile);
            if (!File.Exists(path)) continue; // a shard without checkpoints
            var byEpoch = new Dictionary<int, List<PairRow>>();
            var order = new List<int>();
            foreach (var row in ShardTables.RowGroups<PairRow>(path).SelectMany(g => g))
            {
                if (!byEpoch.TryGetValue(row.Epoch, out var rows))
                {
                    byEpoch[row.Epoch] = rows = [];
                    order.Add(row.Epoch);
                }
                rows.Add(row);
            }
            foreach (var epoch in order)
            {
                table.AppendCheckpoint(byEpoch[epoch].ToArray());
                byEpoch.Remove(epoch);
                checkpoints++;
            }
        }
        table.Complete();
        return checkpoints;
    }

    /// <summary>Appends every row group of the shards' tables, in shard order, to one table; returns the number of row groups.</summary>
    private static int Append<T>(IEnumerable<string> folders, string file, string target, bool csv, IReadOnlyDictionary<string, string>? metadata)
        where T : class, new()
    {
        using var table = ParquetStream<T>.Create(target, csv, metadata);
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, file);
            if (!File.Exists(path)) continue; // a shard without checkpoints
            foreach (var group in ShardTables.RowGroups<T>(path)) table.AppendRowGroup(group);
        }
        table.Complete();
        return table.RowGroupCount;
    }
}

/// <summary>
/// The fit stage of a sharded run: streams the merged extract/pairs exactly as the local fit stage does (same chunks, same
/// curve selection decided in input order) but looks each chunk's rows up in the fit shards' tables (contiguous pair
/// ranges, each in (pair, layer) order, every curve kept) instead of fitting, so its tables equal a local run's.
/// </summary>
/// <param name="fit">The ordinary fit stage.</param>
/// <param name="extract">The ordinary extract stage (for the shards' keys).</param>
/// <param name="shards">Number of shards.</param>
public sealed class MergedFitStage(IStage fit, IStage extract, int shards) : IStage
{
    /// <inheritdoc />
    public string Name => fit.Name;

    /// <inheritdoc />
    public IReadOnlyList<string> DependsOn => fit.DependsOn;

    /// <inheritdoc />
    public object Parameters(ExperimentSpec spec) => fit.Parameters(spec);

    /// <inheritdoc />
    public IReadOnlyList<string> Inputs(ExperimentSpec spec, RunLayout layout) => fit.Inputs(spec, layout);

    /// <inheritdoc />
    public StageOutcome Run(StageContext context)
    {
        var layouts = new List<RunLayout>();
        for (var k = 0; k < shards; k++)
        {
            var folder = ShardPlan.Folder(context.Layout, "fit", k, shards);
            if (!ShardPlan.IsDone(context.Layout, "fit", k, shards, ShardKeys.Fit(fit, extract, context.Spec, context.Layout, k, shards)))
                Throw.WorkFailed($"{folder}: fit shard {k} of {shards} has not finished for the current settings (no done.json with the current key); resubmit the run");
            layouts.Add(new RunLayout(folder));
        }
        using var lookup = new ShardFitLookup(layouts);
        var batches = StreamingFit.PairBatches(context.Layout.Pairs, context.Spec.Fit.Time, out var total);
        var outcome = FitTables.Write(context, batches, total, context.Spec.Fit.Curves, lookup.Chunk);
        lookup.RequireExhausted();
        return outcome;
    }
}

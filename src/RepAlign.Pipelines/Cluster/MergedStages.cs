using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Pipelines.Cluster;

/// <summary>
/// The extract stage of a sharded run: joins the extract shards into the run's tables (one row group per checkpoint, in
/// checkpoint order, as the local stage writes them). Same name, dependencies and parameters as the stage it stands for,
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
    public StageOutcome Run(StageContext context)
    {
        var (spec, layout) = (context.Spec, context.Layout);
        var folders = ShardTasks.RequireDone(context, extract, shards);
        var data = MnistData.Load(spec.Data);
        var selection = PairSelection.Select(spec.Extract.Pairs, data.Train.Labels, (ulong)spec.Train.Seed);
        var metadata = ExtractRequests.Mnist(context, data, selection, []).Metadata;
        var checkpoints = Append<PairRow>(folders, ShardTasks.PairsFile, layout.Pairs, context.Csv, metadata);
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

/// <summary>The fit stage of a sharded run: joins the fit shards (contiguous pair ranges, each sorted by pair and layer) into the run's fit tables.</summary>
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
    public StageOutcome Run(StageContext context)
    {
        var fits = new List<FitRow>();
        var curves = new List<CurveRow>();
        for (var k = 0; k < shards; k++)
        {
            var folder = ShardPlan.Folder(context.Layout, "fit", k, shards);
            if (!ShardPlan.IsDone(context.Layout, "fit", k, shards, ShardKeys.Fit(fit, extract, context.Spec, context.Layout, k, shards)))
                Throw.WorkFailed($"{folder}: fit shard {k} of {shards} has not finished for the current settings (no done.json with the current key); resubmit the run");
            var shard = new RunLayout(folder);
            fits.AddRange(TableFile.Read<FitRow>(shard.Fits));
            curves.AddRange(TableFile.Read<CurveRow>(shard.Curves));
        }
        return FitStage.Write(context, fits.ToArray(), curves.ToArray());
    }
}

using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Pipelines.Cluster;

/// <summary>
/// One array task of a sharded MNIST run: extraction of a checkpoint range, or fitting of a pair range. Each task writes only
/// the files of its own shard folder (done.json last) and never run.json; the merge job joins the shards.
/// </summary>
public static class ShardTasks
{
    /// <summary>The file names inside an extract shard folder.</summary>
    public const string PairsFile = "pairs.parquet", ProbeFile = "probe.parquet", AccuracyFile = "accuracy.parquet";

    /// <summary>Extracts checkpoints [start, end) of shard k of n into its folder; a shard already done with the same key is skipped.</summary>
    public static string Extract(StageContext context, IStage extract, int k, int n)
    {
        var (spec, layout) = (context.Spec, context.Layout);
        var index = CheckpointIndex.ReadMatching(layout, spec);
        var key = ShardKeys.Extract(extract, spec, layout, k, n);
        var folder = ShardPlan.Folder(layout, "extract", k, n);
        if (ShardPlan.ReadMarker(folder) is { } m && m.Key == key) return $"extract shard {k} of {n}: up to date";
        var (start, end) = ShardPlan.Range(index.Count, k, n);
        var checkpoints = index.Skip(start).Take(end - start).Select(e => (e.Epoch, Path.Combine(layout.Checkpoints, e.File))).ToArray();
        if (checkpoints.Length > 0)
        {
            var data = MnistData.Load(spec.Data);
            var selection = data.Pairs(spec);
            var request = ExtractRequests.Mnist(context with { Csv = false }, data, selection, checkpoints) with
            {
                Layers = TrackedLayers.Of(spec),
                OutputParquet = Path.Combine(folder, PairsFile),
                ProbeParquet = spec.Extract.LinearProbe ? Path.Combine(folder, ProbeFile) : null,
                CheckpointRange = (start, index.Count),
            };
            var summary = BulkPairExtractor.Extract(request, context.Observer.Progress($"extracting shard {k} of {n}", checkpoints.Length), context.Cancellation);
            TableFile.Write(summary.HeldOut.ToArray(), Path.Combine(folder, AccuracyFile), csv: false);
        }
        Directory.CreateDirectory(folder);
        ShardPlan.WriteMarker(folder, new ShardMarker(key, checkpoints.Length));
        return $"extract shard {k} of {n}: checkpoints {start}–{end - 1} of {index.Count}";
    }

    /// <summary>Fits pairs [start, end) of shard k of n, reading them from every extract shard; a shard already done with the same key is skipped.</summary>
    public static string Fit(StageContext context, IStage fit, IStage extract, int k, int n)
    {
        var (spec, layout) = (context.Spec, context.Layout);
        var key = ShardKeys.Fit(fit, extract, spec, layout, k, n);
        var folder = ShardPlan.Folder(layout, "fit", k, n);
        if (ShardPlan.ReadMarker(folder) is { } m && m.Key == key) return $"fit shard {k} of {n}: up to date";
        // The pair count comes from the run's pair selection (the extract tables hold exactly its pairs), not from the tables.
        var data = MnistData.Load(spec.Data);
        var pairs = data.Pairs(spec).Count;
        var (start, end) = ShardPlan.Range(pairs, k, n);
        var rows = new List<PairRow>();
        foreach (var f in RequireDone(context, extract, n))
        {
            var path = Path.Combine(f, PairsFile);
            if (!File.Exists(path)) continue; // a shard without checkpoints
            foreach (var group in ShardTables.RowGroups<PairRow>(path)) // one row group at a time; only the shard's pair range is kept
                rows.AddRange(group.Where(r => r.Pair >= start && r.Pair < end));
        }
        var inputs = BulkFit.FromPairs(rows, spec.Fit.Time); // every checkpoint of the range's pairs, joined across the extract shards
        rows.Clear();
        FitTables.Write(context with { Layout = new RunLayout(folder), Csv = false }, [inputs], inputs.Count, CurveSelection.All);
        ShardPlan.WriteMarker(folder, new ShardMarker(key, end - start));
        return $"fit shard {k} of {n}: pairs {start}–{end - 1} of {pairs}, {inputs.Count} fits";
    }

    /// <summary>The folders of extract shards 0..n−1, each checked to be done with the current key.</summary>
    public static string[] RequireDone(StageContext context, IStage extract, int n) =>
        Enumerable.Range(0, n).Select(k =>
        {
            var folder = ShardPlan.Folder(context.Layout, "extract", k, n);
            if (!ShardPlan.IsDone(context.Layout, "extract", k, n, ShardKeys.Extract(extract, context.Spec, context.Layout, k, n)))
                Throw.WorkFailed($"{folder}: extract shard {k} of {n} has not finished for the current settings (no done.json with the current key); resubmit the run");
            return folder;
        }).ToArray();
}

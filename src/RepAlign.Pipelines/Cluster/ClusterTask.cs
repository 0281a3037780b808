using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Cluster;

/// <summary>
/// One piece of a cluster run, as a job script runs it (<c>repalign run … --task point:3</c>); the same command runs it on any
/// machine. point:I runs the ordinary stages of sweep point I; gather joins the sweep's points; extract:K and fit:K compute
/// shard K of a single MNIST run; merge joins the shards into the run's tables and runs analyze and report.
/// </summary>
/// <param name="Kind">point, gather, extract, fit or merge.</param>
/// <param name="Index">The point or shard index (−1 for gather and merge).</param>
public sealed record ClusterTask(string Kind, int Index)
{
    /// <summary>The accepted forms, for messages.</summary>
    public const string Forms = "point:I, gather, extract:K, fit:K or merge";

    /// <summary>Parses a --task value.</summary>
    public static ClusterTask Parse(string text)
    {
        var parts = text.Split(':');
        var kind = parts[0];
        if (parts.Length == 1 && kind is "gather" or "merge") return new ClusterTask(kind, -1);
        if (parts.Length == 2 && kind is "point" or "extract" or "fit" &&
            int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            return new ClusterTask(kind, index);
        return Throw.BadInput<ClusterTask>($"--task: found '{text}', expected {Forms}");
    }

    /// <summary>Runs the task; the result fails when its work failed (the job then exits 1 and Slurm marks it FAILED).</summary>
    public RunResult Run(RunRequest request, int shards, StageSet set, IRunObserver observer, CancellationToken cancellation = default)
    {
        var document = PipelineFile.LoadDocument(request.Pipeline, request.Overrides);
        var sweepTask = Kind is "point" or "gather";
        if (sweepTask != document.IsSweep)
            Throw.BadInput($"--task {Kind}: {request.Pipeline} is {(document.IsSweep ? "a sweep (use point:I or gather)" : "a single run (use extract:K, fit:K or merge)")}");
        if (sweepTask)
        {
            var (points, root) = SweepRunner.Plan(request, document);
            if (Kind == "point")
            {
                if (Index >= points.Count) Throw.BadValue("--task point", Index.ToString(CultureInfo.InvariantCulture), $"a point index from 0 to {points.Count - 1}");
                return SweepRunner.RunPoint(request, points[Index], root, set, observer, cancellation);
            }
            // The gather writes the sweep's own files: it holds the sweep folder, as a local sweep does.
            using var sweepLock = RunLock.Acquire(root, wait: !request.NoWait, observer.Waiting, cancellation);
            AtomicFile.RemoveLeftovers(root, recursive: false);
            var results = points.Select(p => PointResult(SweepRunner.LayoutOf(p, root), p, StageGraph.For(p.Spec, set).Names)).ToArray();
            return SweepRunner.Gather(document, points, results, root, set);
        }

        var spec = PipelineFile.Validate(PipelineRunner.ApplyCommandLine(document.Base, request), request.Pipeline);
        var layout = PipelineRunner.LayoutOf(request, spec);
        var graph = StageGraph.For(spec, set);
        if (graph.Family != ExperimentFamily.Dataset)
            Throw.BadInput($"--task: shards split data-set runs only; data.kind is {SnakeCase.Of(spec.Data.Kind)} (run it whole, without --task)");
        var extract = Stage(graph, "extract");
        var fit = Stage(graph, "fit");
        if (Kind == "merge")
        {
            var merged = graph with { Stages = graph.Stages.Select(s => s == extract ? new MergedExtractStage(extract, shards) : s == fit ? new MergedFitStage(fit, extract, shards) : s).ToArray() };
            return PipelineRunner.RunOne(request, spec, layout, merged, observer, cancellation);
        }
        var context = new StageContext { Spec = spec, Layout = layout, Csv = request.Csv, Observer = observer, Cancellation = cancellation };
        // A shard task writes only its shard folder, and holds it: two tasks of one shard (a resubmission, a task run by
        // hand) take turns; holding it, any temporary file there was left by a task that was killed.
        ShardPlan.Range(0, Index, shards); // a bad --shards or shard index is bad input before anything is taken
        var shardFolder = ShardPlan.Folder(layout, Kind, Index, shards);
        using var shardLock = RunLock.Acquire(shardFolder, wait: !request.NoWait, observer.Waiting, cancellation);
        AtomicFile.RemoveLeftovers(shardFolder, recursive: true);
        try
        {
            var message = Kind == "extract" ? ShardTasks.Extract(context, extract, Index, shards) : ShardTasks.Fit(context, fit, extract, Index, shards);
            return new RunResult(layout, spec, true, null, message);
        }
        catch (WorkFailedException e)
        {
            return new RunResult(layout, spec, false, $"{Kind} shard {Index}", e.Message);
        }
    }

    /// <summary>A sweep point's outcome from its run.json: succeeded when every stage of its graph is done.</summary>
    public static RunResult PointResult(RunLayout layout, RunPoint point, IReadOnlyList<string> stageNames)
    {
        if (!File.Exists(layout.Manifest)) return new RunResult(layout, point.Spec, false, null, "not run");
        var manifest = RunManifest.Read(layout.Manifest);
        var failed = stageNames.FirstOrDefault(n => !manifest.Stages.TryGetValue(n, out var r) || r.State != StageState.Done);
        if (failed is null) return new RunResult(layout, point.Spec, true, null, $"run folder {layout.Root}");
        var message = manifest.Stages.TryGetValue(failed, out var record) ? $"{failed}: {SnakeCase.Of(record.State)}{(record.Message.Length > 0 ? " — " + record.Message : "")}" : $"{failed}: not run";
        return new RunResult(layout, point.Spec, false, failed, message);
    }

    private static IStage Stage(StageGraph graph, string name) =>
        graph.Find(name) ?? Throw.BadInput<IStage>($"--task: the pipeline has no '{name}' stage");
}

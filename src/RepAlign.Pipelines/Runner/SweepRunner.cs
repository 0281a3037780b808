using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Runner;

/// <summary>What sweep.json records of one run of a sweep.</summary>
/// <param name="Label">The run's label (its folder name).</param>
/// <param name="Variant">Variant name ("" for none).</param>
/// <param name="Trial">Trial index.</param>
/// <param name="Settings">Swept keys and values.</param>
/// <param name="Succeeded">Whether every stage finished.</param>
/// <param name="Message">Failure message or summary.</param>
public sealed record SweepRunRecord(string Label, string Variant, int Trial, IReadOnlyDictionary<string, string> Settings, bool Succeeded, string Message);

/// <summary>
/// Runs every point of a sweep (variants × grid × trials) in parallel, one libtorch thread each, the most expensive
/// first (<see cref="RunCost"/>), and joins their fits into one table.
/// </summary>
public static class SweepRunner
{
    /// <summary>File name of the joined table (Parquet; CSV beside it).</summary>
    public const string TableName = "sweep.parquet";

    /// <summary>Runs the sweep; each point gets its own run folder under the sweep folder.</summary>
    public static RunResult Run(RunRequest request, PipelineDocument document, StageSet set, IRunObserver observer,
        CancellationToken cancellation = default)
    {
        var (points, root) = Plan(request, document);
        if (!Directory.Exists(root) && points.Count > 0)
        {
            var graph = StageGraph.For(points[0].Spec, set); // every point of a sweep has its family's graph
            var (first, last) = Planner.Range(graph, request.From, request.To);
            PipelineRunner.RefuseUnavailable(graph, first, last, root, "nothing is recorded in this sweep folder yet");
        }
        Directory.CreateDirectory(root);
        using var sweepLock = RunLock.Acquire(root, wait: !request.NoWait, observer.Waiting, cancellation);
        AtomicFile.RemoveLeftovers(root, recursive: false); // the sweep's own tables; each point cleans its folder under its lock

        if (points.Any(p => p.Spec.Train.Threads == 1)) set.Training?.UseThreads(1); // before any trial starts
        var progress = observer.Progress($"{points.Count} runs", points.Count);
        var quiet = new QuietObserver(observer);
        var results = new RunResult[points.Count];
        long done = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellation };
        // Longest first, each core taking the next point as it frees (no buffering): the sweep ends on short runs.
        var order = Partitioner.Create(RunCost.LongestFirst(points.Select(p => p.Spec).ToArray()), EnumerablePartitionerOptions.NoBuffering);
        try
        {
            Parallel.ForEach(order, parallel, i =>
            {
                results[i] = RunPoint(request, points[i], root, set, quiet, cancellation);
                if (!results[i].Succeeded) observer.StageSkipped(points[i].Label, "failed: " + results[i].Message);
                progress.Report(Interlocked.Increment(ref done));
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.FirstOrDefault(x => x is RepAlignException) is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
        }
        return Gather(document, points, results, root, set);
    }

    /// <summary>The sweep's points (variants × grid × trials, one libtorch thread each) and its folder.</summary>
    public static (IReadOnlyList<RunPoint> Points, string Root) Plan(RunRequest request, PipelineDocument document)
    {
        var points = document.Expand(request.Pipeline, spec =>
            PipelineRunner.ApplyCommandLine(spec with
            {
                Train = spec.Train with { Threads = 1 },
                Extract = spec.Extract with { Threads = 1 },
            }, request));
        var sweepId = "sweep-" + Hashing.Text(string.Join('\n', points.Select(p => p.Label + PipelineRunner.RunId(p.Spec))))[..10];
        var root = Path.GetFullPath(request.Out ?? Path.Combine(request.RunsRoot, document.Base.Name, sweepId));
        return (points, root);
    }

    /// <summary>The run folder of one point under the sweep folder.</summary>
    public static RunLayout LayoutOf(RunPoint point, string root) => new(Path.Combine(root, point.Label));

    /// <summary>Runs the stages of one point (its family's graph) in its folder under the sweep folder.</summary>
    public static RunResult RunPoint(RunRequest request, RunPoint point, string root, StageSet set, IRunObserver observer,
        CancellationToken cancellation = default)
    {
        var layout = LayoutOf(point, root);
        return PipelineRunner.RunOne(request with { Out = layout.Root }, point.Spec, layout, StageGraph.For(point.Spec, set), observer, cancellation);
    }

    /// <summary>File name of the trial summary (Parquet; CSV beside it), written when a setting has more than one trial.</summary>
    public const string TrialsName = "trials.parquet";

    /// <summary>
    /// Writes sweep.json and the joined table (sweep.parquet, sweep.csv) from the points' results and, with more than one
    /// trial per setting, the set's trial summary (trials.parquet, trials.csv).
    /// </summary>
    public static RunResult Gather(PipelineDocument document, IReadOnlyList<RunPoint> points, IReadOnlyList<RunResult> results, string root, StageSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var records = points.Select((p, i) => new SweepRunRecord(p.Label, p.Variant, p.Trial, p.Settings, results[i].Succeeded, results[i].Message)).ToArray();
        AtomicFile.WriteText(Path.Combine(root, "sweep.json"), JsonSerializer.Serialize(records, RepAlignJson.Options));
        var table = JoinFits(points, results, Path.Combine(root, TableName));
        if (points.Any(p => p.Trial > 0)) set.TrialSummary?.Write(root, points, results);
        var failed = records.Count(r => !r.Succeeded);
        var message = $"{points.Count} runs, {failed} failed; {table} fit rows in {Path.Combine(root, TableName)}";
        return new RunResult(new RunLayout(root), document.Base, failed == 0, failed == 0 ? null : "sweep", message);
    }

    /// <summary>One table across runs: setting columns, then every fit column.</summary>
    private static int JoinFits(IReadOnlyList<RunPoint> points, IReadOnlyList<RunResult> results, string path)
    {
        var rows = new List<(IReadOnlyList<(string, object)>, FitRow)>();
        for (var i = 0; i < points.Count; i++)
        {
            if (!results[i].Succeeded || !File.Exists(results[i].Layout.Fits)) continue;
            var s = points[i].Spec;
            var settings = string.Join(";", points[i].Settings.Select(kv => $"{kv.Key}={kv.Value}"));
            (string, object)[] extra =
            [
                ("run", points[i].Label), ("variant", points[i].Variant), ("trial", points[i].Trial), ("seed", s.Train.Seed),
                ("settings", settings), ("model_kind", SnakeCase.Of(s.Model.Kind)), ("activation", SnakeCase.Of(s.Model.Activation)),
                ("width", s.Model.Width), ("depth", s.Model.Depth), ("gain", s.Model.Gain), ("optimizer", SnakeCase.Of(s.Train.Optimizer)),
                ("lr", s.Train.Lr), ("epochs", s.Train.Epochs), ("batch", s.Train.Batch),
            ];
            foreach (var fit in TableFile.Read<FitRow>(results[i].Layout.Fits)) rows.Add((extra, fit));
        }
        TableFile.WriteWithColumns(rows, path, csv: true);
        return rows.Count;
    }

    /// <summary>Passes only progress of the sweep as a whole; per-run stage chatter would interleave unreadably.</summary>
    private sealed class QuietObserver(IRunObserver inner) : IRunObserver
    {
        public void StageSkipped(string stage, string reason) { }
        public void StageStarted(string stage) { }
        public void StageFinished(string stage, StageRecord record)
        {
            if (record.State == StageState.Failed) inner.StageFinished(stage, record);
        }
        public IProgress<long> Progress(string label, long total) => SilentObserver.Instance.Progress(label, total);
        public void Waiting(string message) => inner.Waiting(message);
    }
}

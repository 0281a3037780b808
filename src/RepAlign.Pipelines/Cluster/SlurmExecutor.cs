using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Spec;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Pipelines.Cluster;

/// <summary>What a submission did.</summary>
/// <param name="Root">The run or sweep folder.</param>
/// <param name="Jobs">The jobs submitted now (none when everything was done).</param>
/// <param name="Message">A summary for the user.</param>
public sealed record Submission(string Root, IReadOnlyList<SubmittedJob> Jobs, string Message);

/// <summary>
/// <c>repalign run --executor slurm</c>: a sweep becomes one job array (a task per unfinished point) and a gather job after
/// it; a single MNIST run becomes a train job, an extract array (checkpoint ranges), a fit array (pair ranges) and a merge
/// job that writes the run's tables and runs analyze and report; a point-set run is one job. Every job runs the same
/// repalign command (with <c>--task</c>) as a local run would. Resubmitting skips what is finished.
/// </summary>
public static class SlurmExecutor
{
    /// <summary>
    /// Submits the pipeline of <paramref name="request"/>: exactly the stages the <see cref="Planner"/> says must run (what a
    /// local run would redo), each job re-planning when it starts; nothing is marked running (the jobs' own runs record their
    /// stages). The message names why each planned stage runs (the setting that changed).
    /// </summary>
    public static Submission Submit(RunRequest request, SlurmSettings settings, StageSet set)
    {
        Slurm.RequireSbatch();
        if (request.From is not null || request.To is not null)
            Throw.BadInput("--from/--to with --executor slurm: not supported; a submission runs every stage that is not up to date (run single stages with --executor local)");
        if (settings.Shards < 1) Throw.BadValue("--shards", settings.Shards.ToString(CultureInfo.InvariantCulture), "an integer ≥ 1");
        var document = PipelineFile.LoadDocument(request.Pipeline, request.Overrides);
        if (document.IsSweep) return SubmitSweep(request, settings, document, set);
        var spec = PipelineFile.Validate(PipelineRunner.ApplyCommandLine(document.Base, request), request.Pipeline);
        var layout = PipelineRunner.LayoutOf(request, spec);
        using var submitting = RunLock.Acquire(layout.Root, wait: false); // one submission at a time, and none while a run works here
        return SubmitSingle(request, settings, spec, layout, StageGraph.For(spec, set));
    }

    private static Submission SubmitSweep(RunRequest request, SlurmSettings settings, PipelineDocument document, StageSet set)
    {
        var (points, root) = SweepRunner.Plan(request, document);
        using var submitting = RunLock.Acquire(root, wait: false); // one submission at a time, and none while a sweep works here
        var previous = Settle(root);
        var plans = points.Select(p => Planner.Plan(StageGraph.For(p.Spec, set), p.Spec, SweepRunner.LayoutOf(p, root), rehash: request.Rehash)).ToArray();
        var todo = Enumerable.Range(0, points.Count).Where(i => plans[i].Any(d => d.Run)).ToArray();
        if (todo.Length == 0 && File.Exists(Path.Combine(root, SweepRunner.TableName)))
            return new Submission(root, [], $"{root}: all {points.Count} points are up to date and gathered; nothing submitted");
        var batch = new SlurmBatch(root, settings);
        var args = TaskArguments(request, root, settings);
        var after = new List<string>();
        if (todo.Length > 0) after.Add(batch.Submit("point", [.. args, "--task", "point:" + SlurmBatch.TaskIndex], todo, []).JobId);
        batch.Submit("gather", [.. args, "--task", "gather"], [], after);
        Record(root, previous, batch);
        var why = todo.Take(3).Select(i => $"{points[i].Label}: {Planner.Describe(plans[i].Where(d => d.Run))}");
        return new Submission(root, batch.Jobs,
            $"{root}: {todo.Length} of {points.Count} points submitted as one array ({points.Count - todo.Length} up to date), then the gather"
            + (todo.Length > 0 ? $"; {string.Join("; ", why)}{(todo.Length > 3 ? "; …" : "")}" : ""));
    }

    private static Submission SubmitSingle(RunRequest request, SlurmSettings settings, ExperimentSpec spec, RunLayout layout, StageGraph graph)
    {
        Directory.CreateDirectory(layout.Root);
        var previous = Settle(layout.Root);
        var plan = Planner.Plan(graph, spec, layout, rehash: request.Rehash);
        if (!plan.Any(d => d.Run))
            return new Submission(layout.Root, [], $"{layout.Root}: every stage is up to date; nothing submitted");
        var why = Planner.Describe(plan.Where(d => d.Run));
        var batch = new SlurmBatch(layout.Root, settings);
        var args = TaskArguments(request, layout.Root, settings);
        if (graph.Family != ExperimentFamily.Dataset)
        {
            batch.Submit("run", args, [], [], cpus: null);
            Record(layout.Root, previous, batch);
            return new Submission(layout.Root, batch.Jobs, $"{layout.Root}: one job runs {why} (only data-set runs are sharded)");
        }
        bool Runs(string stage) => plan.Any(d => d.Stage.Name == stage && d.Run);
        var n = settings.Shards;
        var extract = graph.Find("extract")!;
        var fit = graph.Find("fit")!;
        var after = new List<string>();
        if (Runs("train")) after.Add(batch.Submit("train", [.. args, "--to", "train"], [], [], cpus: null).JobId);
        // Before training, every shard is submitted; after it, the shards not done for the current checkpoints and settings.
        var extractTodo = !Runs("extract") ? []
            : Enumerable.Range(0, n).Where(k => Runs("train") || !ShardPlan.IsDone(layout, "extract", k, n, ShardKeys.Extract(extract, spec, layout, k, n))).ToArray();
        if (extractTodo.Length > 0) after = [batch.Submit("extract", [.. args, "--task", "extract:" + SlurmBatch.TaskIndex], extractTodo, after).JobId];
        var fitTodo = !Runs("fit") ? []
            : Enumerable.Range(0, n).Where(k => extractTodo.Length > 0 || !ShardPlan.IsDone(layout, "fit", k, n, ShardKeys.Fit(fit, extract, spec, layout, k, n))).ToArray();
        if (fitTodo.Length > 0) after = [batch.Submit("fit", [.. args, "--task", "fit:" + SlurmBatch.TaskIndex], fitTodo, after).JobId];
        batch.Submit("merge", [.. args, "--task", "merge"], [], after, cpus: null);
        Record(layout.Root, previous, batch);
        return new Submission(layout.Root, batch.Jobs,
            $"{layout.Root}: {(Runs("train") ? "train" : "trained already")}, {extractTodo.Length} of {n} extract shards, {fitTodo.Length} of {n} fit shards, then the merge (analyze, report); {why}");
    }

    /// <summary>Roles of jobs that only join what the others made (they wait on them); a resubmission replaces them.</summary>
    private static readonly string[] Joiners = ["gather", "merge", "report"];

    /// <summary>
    /// Before a resubmission (of a run, a sweep or a reproduction): stops with bad input if a worker job of an earlier
    /// submission may still run (its work would be done twice); cancels earlier joining jobs (gather, merge, report)
    /// still waiting (the new ones replace them). Returns the earlier jobs, those cancelled marked superseded.
    /// </summary>
    public static List<SubmittedJob> Settle(string root)
    {
        var previous = ClusterJobs.Read(root).ToList();
        var live = previous.Where(j => !j.Superseded).ToArray();
        if (live.Length == 0) return previous;
        var states = Slurm.States(live.Select(j => j.JobId).ToArray());
        bool Active(SubmittedJob j) => j.TaskIds.Any(t => states.TryGetValue(t, out var s) && Slurm.IsActive(s))
                                        || states.TryGetValue(j.JobId, out var whole) && Slurm.IsActive(whole);
        var busy = live.Where(j => !Joiners.Contains(j.Role) && Active(j)).ToArray();
        if (busy.Length > 0)
            Throw.BadInput($"{ClusterJobs.File(root)}: job {string.Join(", ", busy.Select(j => $"{j.JobId} ({j.Role})"))} of an earlier submission is still queued or running; wait for it (repalign runs shows its state) or scancel it, then submit again");
        var waiting = live.Where(j => Joiners.Contains(j.Role) && Active(j)).ToArray();
        Slurm.Cancel(waiting.Select(j => j.JobId));
        return previous.Select(j => waiting.Contains(j) ? j with { Superseded = true } : j).ToList();
    }

    private static void Record(string root, List<SubmittedJob> previous, SlurmBatch batch) =>
        ClusterJobs.Write(root, [.. previous, .. batch.Jobs]);

    /// <summary>The repalign run arguments every job of this run repeats (absolute pipeline and folder, overrides, output options).</summary>
    public static IReadOnlyList<string> TaskArguments(RunRequest request, string root, SlurmSettings settings)
    {
        var args = new List<string> { "run", Path.GetFullPath(request.Pipeline) };
        foreach (var o in request.Overrides) args.AddRange(["--set", o]);
        args.AddRange(["--out", root]);
        if (request.Csv) args.Add("--csv");
        if (request.Device is { } device) args.AddRange(["--device", SnakeCase.Of(device)]);
        if (request.Threads is { } threads) args.AddRange(["--threads", threads.ToString(CultureInfo.InvariantCulture)]);
        args.AddRange(["--shards", settings.Shards.ToString(CultureInfo.InvariantCulture)]);
        if (request.Rehash) args.Add("--rehash");
        return args;
    }
}

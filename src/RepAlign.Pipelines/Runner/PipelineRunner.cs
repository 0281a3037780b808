using System.Diagnostics;
using System.Runtime.ExceptionServices;
using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Runner;

/// <summary>Runs a pipeline's stages in order, skipping those whose cache key is unchanged, and keeps run.json current.</summary>
public static class PipelineRunner
{
    /// <summary>Loads the pipeline and runs it: one run, or every run of its variants × sweep grid × trials, each with its family's stages.</summary>
    public static RunResult Run(RunRequest request, StageSet set, IRunObserver observer, CancellationToken cancellation = default)
    {
        var document = PipelineFile.LoadDocument(request.Pipeline, request.Overrides);
        // The adjustment reaches the base too, so it can change what the base alone decides (the trials).
        if (request.Adjust is { } adjust) document = document with { Base = adjust(document.Base) };
        Planner.Range(StageGraph.For(document.Base, set), request.From, request.To); // unknown stage names stop before any work
        if (document.IsSweep) return SweepRunner.Run(request, document, set, observer, cancellation);
        var spec = PipelineFile.Validate(ApplyCommandLine(document.Base, request), request.Pipeline);
        return RunOne(request, spec, LayoutOf(request, spec), StageGraph.For(spec, set), observer, cancellation);
    }

    /// <summary>The run folder of a single run: --out, or runs/&lt;experiment&gt;/&lt;run-id&gt; under the run store.</summary>
    public static RunLayout LayoutOf(RunRequest request, ExperimentSpec spec) =>
        new(Path.GetFullPath(request.Out ?? Path.Combine(request.RunsRoot, spec.Name, RunId(spec))));

    /// <summary>Applies the request's adjustment, its seed shift, then --device and --threads, to a resolved spec (once per spec).</summary>
    public static ExperimentSpec ApplyCommandLine(ExperimentSpec spec, RunRequest request)
    {
        if (request.Adjust is { } adjust) spec = adjust(spec);
        if (request.SeedShift != 0)
        {
            var seed = (long)spec.Train.Seed + request.SeedShift;
            if (seed is > int.MaxValue or < int.MinValue)
                Throw.BadInput($"train.seed: {spec.Train.Seed} shifted by {request.SeedShift} leaves the range of a 32-bit seed");
            spec = spec with { Train = spec.Train with { Seed = (int)seed } };
        }
        if (request.Device is { } device) spec = spec with { Extract = spec.Extract with { Device = device } };
        if (request.Threads is { } threads)
        {
            if (threads < 1) Throw.BadValue("--threads", threads.ToString(), "an integer ≥ 1");
            spec = spec with { Train = spec.Train with { Threads = threads }, Extract = spec.Extract with { Threads = threads } };
        }
        return spec;
    }

    /// <summary>Refuses (bad input, exit code 2) the first stage in [first, last] that this build cannot run (see <see cref="IStage.Unavailable"/>).</summary>
    internal static void RefuseUnavailable(StageGraph graph, int first, int last, string folder, string reason)
    {
        for (var i = first; i <= last; i++)
        {
            if (graph.Stages[i].Unavailable is { } why) Throw.BadInput($"{folder}: stage '{graph.Stages[i].Name}' must run ({reason}), but {why}");
        }
    }

    /// <summary>Runs the stages of one resolved spec in one run folder, each when the <see cref="Planner"/> says it must.</summary>
    public static RunResult RunOne(RunRequest request, ExperimentSpec spec, RunLayout layout, StageGraph graph,
        IRunObserver observer, CancellationToken cancellation = default)
    {
        var (first, last) = Planner.Range(graph, request.From, request.To);
        var forcedBy = request.From is null ? null : $"--from {request.From}"; // --from re-runs its stage and every later one

        // Nothing recorded here yet: every stage in range must run, so one this build cannot run is refused before the
        // folder, its lock or its run.json exists.
        if (!File.Exists(layout.Manifest)) RefuseUnavailable(graph, first, last, layout.Root, "nothing is recorded in this run folder yet");

        // One process per run folder: the kernel releases the lock when this process ends, however it ends.
        using var runLock = RunLock.Acquire(layout.Root, wait: !request.NoWait, observer.Waiting, cancellation);
        // Holding the lock, any temporary file here was left by a killed process (shards belong to their own tasks).
        AtomicFile.RemoveLeftovers(layout.Root, recursive: true, "shards");
        var manifest = File.Exists(layout.Manifest) ? RunManifest.Read(layout.Manifest) : new RunManifest();
        StageHashes.RecordInterrupted(manifest, observer); // a stage still "running" here was left by a process that is gone
        manifest = manifest with
        {
            Pipeline = request.Pipeline,
            RunId = Path.GetFileName(layout.Root),
            Spec = spec,
            Overrides = request.Overrides.ToArray(),
            Inputs = new SortedDictionary<string, string>(request.Inputs.ToDictionary(), StringComparer.Ordinal),
            Checkpoints = request.Checkpoints.ToArray(),
            Versions = RuntimeVersions.Collect(graph.Versions),
        };
        manifest.Write(layout.Manifest);

        for (var i = 0; i < graph.Stages.Count; i++)
        {
            var stage = graph.Stages[i];
            if (i < first || i > last)
            {
                observer.StageSkipped(stage.Name, i < first ? "before --from" : "after --to");
                continue;
            }
            var started = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            StageDecision? decision = null;
            var running = false;
            StageRecord record;
            try
            {
                decision = Planner.Decide(stage, spec, layout, manifest, forcedBy, request.Rehash);
                if (!decision.Run)
                {
                    observer.StageSkipped(stage.Name, decision.Reason);
                    continue;
                }
                var missing = stage.DependsOn.Where(graph.Names.Contains)
                    .FirstOrDefault(d => !manifest.Stages.TryGetValue(d, out var r) || r.State != StageState.Done);
                if (missing is not null)
                {
                    Throw.BadInput($"{layout.Manifest}: stage '{stage.Name}' needs the outputs of '{missing}', which has not completed in this run; run without --from or with --from {missing}");
                }

                RefuseUnavailable(graph, i, i, layout.Root, decision.Reason);

                started = DateTime.UtcNow;
                manifest.Stages[stage.Name] = Record(decision, StageState.Running, started, 0, "");
                manifest.Write(layout.Manifest);
                running = true;
                observer.StageReason(stage.Name, decision.Reason);
                observer.StageStarted(stage.Name);
                clock.Restart();
                var outcome = stage.Run(new StageContext { Spec = spec, Layout = layout, Csv = request.Csv, Observer = observer, Cancellation = cancellation });
                var outputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var o in outcome.Outputs)
                {
                    outputs[layout.Relative(o)] = outcome.KnownHashes.TryGetValue(o, out var known) ? known : Hashing.File(o);
                    ContentHashes.Remember(o, outputs[layout.Relative(o)]);
                }
                record = Record(decision, StageState.Done, started, clock.Elapsed.TotalSeconds, outcome.Message) with { Outputs = outputs };
            }
            catch (Exception e)
            {
                // Bad input found before the stage started (a missing data folder, --from too late) changes nothing recorded.
                if (!running && e is BadInputException) throw;
                var message = Describe(e);
                record = decision is null
                    ? new StageRecord { State = StageState.Failed, StartedUtc = started, Message = message }
                    : Record(decision, StageState.Failed, started, clock.Elapsed.TotalSeconds, message);
                manifest.Stages[stage.Name] = record;
                manifest.Write(layout.Manifest);
                observer.StageFinished(stage.Name, record);
                if (e is BadInputException or OperationCanceledException) ExceptionDispatchInfo.Throw(e);
                return new RunResult(layout, spec, false, stage.Name, message) { Error = e };
            }
            manifest.Stages[stage.Name] = record;
            manifest.Write(layout.Manifest);
            observer.StageFinished(stage.Name, record);
        }
        return new RunResult(layout, spec, true, null, $"run folder {layout.Root}");
    }

    private static StageRecord Record(StageDecision decision, StageState state, DateTime started, double seconds, string message) => new()
    {
        State = state, CacheKey = decision.Key, Parameters = decision.Parameters, StartedUtc = started, Seconds = seconds,
        Message = message, Inputs = decision.Inputs,
    };

    /// <summary>One line for any exception: RepAlign's own messages as they are, others with their type.</summary>
    public static string Describe(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && e.InnerException is { } inner) e = inner;
        return e switch
        {
            RepAlignException => e.Message,
            OperationCanceledException => "cancelled",
            _ => $"{e.GetType().Name}: {e.Message}",
        };
    }

    /// <summary>The run identifier: seed and a hash of everything that determines training and tracking.</summary>
    public static string RunId(ExperimentSpec spec)
    {
        var identity = RepAlignJson.ToCompact(new { spec.Data, spec.Model, spec.Train, spec.Checkpoints, spec.Track });
        return $"seed{spec.Train.Seed}-{Hashing.Text(identity)[..10]}";
    }
}

using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Spec;

namespace RepAlign.Pipelines.Runner;

/// <summary>Runs a pipeline's stages in order, skipping those whose cache key is unchanged, and keeps run.json current.</summary>
public static class PipelineRunner
{
    /// <summary>Loads the pipeline and runs it: one run, or every run of its variants × sweep grid × trials.</summary>
    public static RunResult Run(RunRequest request, IReadOnlyList<IStage> stages, IRunObserver observer, CancellationToken cancellation = default)
    {
        var document = PipelineFile.LoadDocument(request.Pipeline, request.Overrides);
        // The adjustment reaches the base too, so it can change what the base alone decides (the trials).
        if (request.Adjust is { } adjust) document = document with { Base = adjust(document.Base) };
        var names = stages.Select(s => s.Name).ToArray();
        StageIndex(request.From, "--from", names, 0);
        StageIndex(request.To, "--to", names, names.Length - 1);
        if (document.IsSweep) return SweepRunner.Run(request, document, stages, observer, cancellation);
        var spec = PipelineFile.Validate(ApplyCommandLine(document.Base, request), request.Pipeline);
        var layout = new RunLayout(Path.GetFullPath(request.Out ?? Path.Combine(request.RunsRoot, spec.Name, RunId(spec))));
        return RunOne(request, spec, layout, stages, observer, cancellation);
    }

    /// <summary>Applies the request's adjustment, then --device and --threads, to a resolved spec.</summary>
    public static ExperimentSpec ApplyCommandLine(ExperimentSpec spec, RunRequest request)
    {
        if (request.Adjust is { } adjust) spec = adjust(spec);
        if (request.Device is { } device) spec = spec with { Extract = spec.Extract with { Device = device } };
        if (request.Threads is { } threads)
        {
            if (threads < 1) Throw.BadValue("--threads", threads.ToString(), "an integer ≥ 1");
            spec = spec with { Train = spec.Train with { Threads = threads }, Extract = spec.Extract with { Threads = threads } };
        }
        return spec;
    }

    /// <summary>Runs the stages of one resolved spec in one run folder.</summary>
    public static RunResult RunOne(RunRequest request, ExperimentSpec spec, RunLayout layout, IReadOnlyList<IStage> stages,
        IRunObserver observer, CancellationToken cancellation = default)
    {
        var names = stages.Select(s => s.Name).ToArray();
        var from = StageIndex(request.From, "--from", names, 0);
        var to = StageIndex(request.To, "--to", names, names.Length - 1);
        if (to < from) Throw.BadInput($"--to {request.To}: comes before --from {request.From} (stages run in the order {string.Join(" → ", names)})");

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
            Versions = RuntimeVersions.Collect(),
        };
        manifest.Write(layout.Manifest);

        for (var i = 0; i < stages.Count; i++)
        {
            var stage = stages[i];
            if (i < from || i > to)
            {
                observer.StageSkipped(stage.Name, i < from ? "before --from" : "after --to");
                continue;
            }
            var started = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            var key = "";
            var inputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var running = false;
            StageRecord record;
            try
            {
                inputs = InputHashes(stage, spec, layout, manifest, request.Rehash);
                key = CacheKey(stage, spec, inputs);
                manifest.Stages.TryGetValue(stage.Name, out var previous);
                var forced = request.From is not null; // --from re-runs its stage and every later one
                if (!forced && previous is { State: StageState.Done } && previous.CacheKey == key &&
                    StageHashes.OutputsIntact(previous, layout, request.Rehash))
                {
                    observer.StageSkipped(stage.Name, "up to date");
                    continue;
                }
                var missing = stage.DependsOn.Where(names.Contains)
                    .FirstOrDefault(d => !manifest.Stages.TryGetValue(d, out var r) || r.State != StageState.Done);
                if (missing is not null)
                {
                    Throw.BadInput($"{layout.Manifest}: stage '{stage.Name}' needs the outputs of '{missing}', which has not completed in this run; run without --from or with --from {missing}");
                }

                started = DateTime.UtcNow;
                manifest.Stages[stage.Name] = new StageRecord { State = StageState.Running, CacheKey = key, StartedUtc = started, Inputs = inputs };
                manifest.Write(layout.Manifest);
                running = true;
                observer.StageStarted(stage.Name);
                clock.Restart();
                var outcome = stage.Run(new StageContext { Spec = spec, Layout = layout, Csv = request.Csv, Observer = observer, Cancellation = cancellation });
                var outputs = new SortedDictionary<string, string>(StringComparer.Ordinal);
                foreach (var o in outcome.Outputs)
                {
                    outputs[layout.Relative(o)] = outcome.KnownHashes.TryGetValue(o, out var known) ? known : Hashing.File(o);
                    ContentHashes.Remember(o, outputs[layout.Relative(o)]);
                }
                record = new StageRecord
                {
                    State = StageState.Done, CacheKey = key, StartedUtc = started, Seconds = clock.Elapsed.TotalSeconds,
                    Message = outcome.Message, Outputs = outputs, Inputs = inputs,
                };
            }
            catch (Exception e)
            {
                // Bad input found before the stage started (a missing data folder, --from too late) changes nothing recorded.
                if (!running && e is BadInputException) throw;
                var message = Describe(e);
                record = new StageRecord
                {
                    State = StageState.Failed, CacheKey = key, StartedUtc = started, Seconds = clock.Elapsed.TotalSeconds,
                    Message = message, Inputs = inputs,
                };
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

    /// <summary>
    /// The content hash of every file a stage reads: the recorded outputs of the stages it depends on, then the files it
    /// declares (<see cref="IStage.Inputs"/>): an earlier stage's recorded output by its recorded hash, any other file by
    /// its content (<see cref="ContentHashes"/>). Keys are run-relative inside the run folder, absolute outside it.
    /// </summary>
    private static SortedDictionary<string, string> InputHashes(IStage stage, ExperimentSpec spec, RunLayout layout, RunManifest manifest, bool rehash)
    {
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var d in stage.DependsOn)
        {
            if (!manifest.Stages.TryGetValue(d, out var r)) continue;
            foreach (var (path, hash) in r.Outputs) hashes[path] = hash;
        }
        var recorded = manifest.Stages.Values.Where(r => r.State == StageState.Done).SelectMany(r => r.Outputs)
            .GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
        foreach (var input in stage.Inputs(spec, layout))
        {
            var full = Path.GetFullPath(input);
            var relative = layout.Relative(full);
            var inside = !Path.IsPathRooted(relative) && relative != ".." && !relative.StartsWith("../", StringComparison.Ordinal);
            var name = inside ? relative : full;
            if (hashes.ContainsKey(name)) continue;
            hashes[name] = !rehash && inside && recorded.TryGetValue(name, out var known) && File.Exists(full) ? known : StageHashes.Of(full, rehash);
        }
        return hashes;
    }

    private static string CacheKey(IStage stage, ExperimentSpec spec, SortedDictionary<string, string> inputs)
    {
        var text = $"{stage.Name}\n{JsonSerializer.Serialize(stage.Parameters(spec), RepAlignJson.Compact)}\n{string.Join('\n', inputs.Select(kv => $"{kv.Key}={kv.Value}"))}";
        return Hashing.Text(text);
    }

    private static int StageIndex(string? name, string option, string[] names, int fallback)
    {
        if (name is null) return fallback;
        var i = Array.IndexOf(names, name);
        if (i < 0) Throw.BadInput($"{option} {name}: unknown stage{Suggest.DidYouMean(name, names)} (stages: {string.Join(", ", names)})");
        return i;
    }
}

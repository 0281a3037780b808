using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Runner;

/// <summary>One stage of a pipeline: a pure function of its declared inputs and parameters.</summary>
public interface IStage
{
    /// <summary>Stage name (train, extract, fit, report).</summary>
    string Name { get; }

    /// <summary>The stages whose outputs this one reads.</summary>
    IReadOnlyList<string> DependsOn { get; }

    /// <summary>The typed parameters that determine the outputs (hashed into the cache key).</summary>
    object Parameters(ExperimentSpec spec);

    /// <summary>
    /// Every file the stage reads besides the outputs of <see cref="DependsOn"/> (absolute paths): outputs of other
    /// earlier stages, files outside the run folder (data sets, pair CSVs, foreign checkpoints). Each one's content hash
    /// goes into the cache key and run.json; a missing file counts as "absent" (optional inputs). A stage must read no
    /// file it does not declare here or through <see cref="DependsOn"/> (a test runs every stage with only its declared
    /// inputs present and compares its outputs).
    /// </summary>
    IReadOnlyList<string> Inputs(ExperimentSpec spec, RunLayout layout) => [];

    /// <summary>Why this stage cannot run in this build (e.g. a build without the training core), or null when it can; the runner refuses before recording anything.</summary>
    string? Unavailable => null;

    /// <summary>Runs the stage; writes every output whole and returns their paths.</summary>
    StageOutcome Run(StageContext context);
}

/// <summary>What a stage produced.</summary>
/// <param name="Outputs">Absolute paths of the files written.</param>
/// <param name="Message">A one-line summary for the user and run.json.</param>
public sealed record StageOutcome(IReadOnlyList<string> Outputs, string Message)
{
    /// <summary>SHA-256 of outputs the stage already hashed (absolute path → hash), so the runner does not read them again.</summary>
    public IReadOnlyDictionary<string, string> KnownHashes { get; init; } = new Dictionary<string, string>();
}

/// <summary>Everything a stage may use while running.</summary>
public sealed record StageContext
{
    /// <summary>The resolved spec.</summary>
    public required ExperimentSpec Spec { get; init; }

    /// <summary>The run folder.</summary>
    public required RunLayout Layout { get; init; }

    /// <summary>Whether to write CSV beside every Parquet table.</summary>
    public bool Csv { get; init; }

    /// <summary>Progress reporting.</summary>
    public required IRunObserver Observer { get; init; }

    /// <summary>Cancellation (Ctrl+C).</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>Receives the runner's events; the command line renders them.</summary>
public interface IRunObserver
{
    /// <summary>A stage is skipped (cache hit or outside --from/--to).</summary>
    void StageSkipped(string stage, string reason);

    /// <summary>Why a stage is about to run (the planner's reason: the setting that changed, --from, a missing output); called before <see cref="StageStarted"/>.</summary>
    void StageReason(string stage, string reason) { }

    /// <summary>A stage starts.</summary>
    void StageStarted(string stage);

    /// <summary>A stage finished (done or failed).</summary>
    void StageFinished(string stage, Core.Runs.StageRecord record);

    /// <summary>A progress counter for long work; report the number of items done.</summary>
    IProgress<long> Progress(string label, long total);

    /// <summary>The run folder is locked by another process and the run waits for it (the message names the holder).</summary>
    void Waiting(string message) { }
}

/// <summary>An observer that shows nothing (tests, library use).</summary>
public sealed class SilentObserver : IRunObserver
{
    /// <summary>The shared instance.</summary>
    public static SilentObserver Instance { get; } = new();

    /// <inheritdoc />
    public void StageSkipped(string stage, string reason) { }

    /// <inheritdoc />
    public void StageStarted(string stage) { }

    /// <inheritdoc />
    public void StageFinished(string stage, Core.Runs.StageRecord record) { }

    /// <inheritdoc />
    public IProgress<long> Progress(string label, long total) => NullProgress.Instance;

    private sealed class NullProgress : IProgress<long>
    {
        public static NullProgress Instance { get; } = new();
        public void Report(long value) { }
    }
}

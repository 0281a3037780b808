using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Runner;

/// <summary>What <c>repalign run</c> was asked to do.</summary>
public sealed record RunRequest
{
    /// <summary>The pipeline file.</summary>
    public required string Pipeline { get; init; }

    /// <summary>--set key=value overrides, applied after the file.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>The run folder; null = runs/&lt;experiment&gt;/&lt;run-id&gt; under <see cref="RunsRoot"/>.</summary>
    public string? Out { get; init; }

    /// <summary>Root of the run store when <see cref="Out"/> is not given.</summary>
    public string RunsRoot { get; init; } = "runs";

    /// <summary>First stage to run (it and the later ones are re-run even when cached); null = the first.</summary>
    public string? From { get; init; }

    /// <summary>Last stage to run; null = the last.</summary>
    public string? To { get; init; }

    /// <summary>Write CSV beside every Parquet table.</summary>
    public bool Csv { get; init; }

    /// <summary>Overrides extract.device when set.</summary>
    public Device? Device { get; init; }

    /// <summary>Overrides train.threads and extract.threads when set.</summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Applied to the pipeline's base spec (which sets the number of trials) and again to every resolved spec
    /// (after variants and sweep values), e.g. to shrink a run; must give the same spec when applied twice. Null = none.
    /// </summary>
    public Func<ExperimentSpec, ExperimentSpec>? Adjust { get; init; }

    /// <summary>
    /// Added to every run's train.seed after the sweep's derived seeds (<c>repalign reproduce --seeds</c>: seed index k
    /// runs with k × its seed span); the shifted seed is the one recorded in run.json. 0 = none.
    /// </summary>
    public int SeedShift { get; init; }

    /// <summary>When another process holds the run folder: false (default) waits for it, true fails at once with exit code 2.</summary>
    public bool NoWait { get; init; }

    /// <summary>Trust no cached hash (<c>--rehash</c>): hash every input and check every recorded output from its bytes (<see cref="StageHashes"/>).</summary>
    public bool Rehash { get; init; }

    /// <summary>Files read from outside the run folder and their SHA-256, recorded in run.json.</summary>
    public IReadOnlyDictionary<string, string> Inputs { get; init; } = new Dictionary<string, string>();

    /// <summary>Foreign checkpoints with their epochs and steps (reanalysis), recorded in run.json.</summary>
    public IReadOnlyList<Core.Runs.ReadCheckpoint> Checkpoints { get; init; } = [];
}

/// <summary>The outcome of a run.</summary>
/// <param name="Layout">The run folder.</param>
/// <param name="Spec">The resolved spec.</param>
/// <param name="Succeeded">False when a stage failed.</param>
/// <param name="FailedStage">The stage that failed, if any.</param>
/// <param name="Message">The failure's message, or a summary.</param>
public sealed record RunResult(RunLayout Layout, ExperimentSpec Spec, bool Succeeded, string? FailedStage, string Message)
{
    /// <summary>The exception that failed the stage, if any (for <c>--verbose</c>).</summary>
    public Exception? Error { get; init; }
}

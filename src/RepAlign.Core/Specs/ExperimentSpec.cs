namespace RepAlign.Core.Specs;

/// <summary>A whole experiment: everything a pipeline file can say, resolved and validated.</summary>
public sealed record ExperimentSpec
{
    /// <summary>Experiment name (names the run store folder).</summary>
    public string Name { get; init; } = "two-points";

    /// <summary>One line on what the experiment shows.</summary>
    public string Description { get; init; } = "";

    /// <summary>Independent trials of every setting, each with its own seed.</summary>
    public int Trials { get; init; } = 1;

    /// <summary>
    /// Seeds of a sweep. False (default): run k of the expansion (variants × grid points × trials, in file
    /// order) trains from seed train.seed + k, so no two runs share initial weights. True: every setting
    /// starts from the same weights, trial t from train.seed + t (to compare settings on one network).
    /// </summary>
    public bool SharedSeed { get; init; }

    /// <summary>The data set.</summary>
    public DataSpec Data { get; init; } = new();

    /// <summary>The network.</summary>
    public ModelSpec Model { get; init; } = new();

    /// <summary>Training.</summary>
    public TrainSpec Train { get; init; } = new();

    /// <summary>Checkpoint schedule.</summary>
    public CheckpointSpec Checkpoints { get; init; } = new();

    /// <summary>Tracked layers.</summary>
    public TrackSpec Track { get; init; } = new();

    /// <summary>Extraction with ONNX Runtime.</summary>
    public ExtractSpec Extract { get; init; } = new();

    /// <summary>Fitting.</summary>
    public FitSpec Fit { get; init; } = new();

    /// <summary>Report.</summary>
    public ReportSpec Report { get; init; } = new();
}

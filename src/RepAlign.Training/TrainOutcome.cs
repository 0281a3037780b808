namespace RepAlign.Training;

/// <summary>How a training run ended.</summary>
public enum TrainStatus
{
    /// <summary>All epochs ran.</summary>
    Completed,
    /// <summary>The loss became NaN or infinite; records stop before <see cref="TrainOutcome.DivergedEpoch"/>.</summary>
    Diverged,
}

/// <summary>A written checkpoint.</summary>
/// <param name="Epoch">The epoch whose update had not yet been applied.</param>
/// <param name="Path">Full path of the ONNX file.</param>
public readonly record struct CheckpointFile(int Epoch, string Path);

/// <summary>What every training run reports however it trained: how it ended, where and why, its checkpoints and its time.</summary>
public abstract record TrainOutcome
{
    /// <summary>Completed or diverged.</summary>
    public required TrainStatus Status { get; init; }

    /// <summary>The epoch whose loss was not finite; −1 when completed.</summary>
    public int DivergedEpoch { get; init; } = -1;

    /// <summary>Empty when completed; otherwise what happened and what to try.</summary>
    public string Message { get; init; } = "";

    /// <summary>Checkpoints written, in epoch order.</summary>
    public required IReadOnlyList<CheckpointFile> Checkpoints { get; init; }

    /// <summary>Wall-clock seconds of the run.</summary>
    public double Seconds { get; init; }
}

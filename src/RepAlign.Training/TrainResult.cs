using RepAlign.Core.Specs;

namespace RepAlign.Training;

/// <summary>How a training run ended.</summary>
public enum TrainStatus
{
    /// <summary>All epochs ran.</summary>
    Completed,
    /// <summary>The loss became NaN or infinite; records stop before <see cref="TrainResult.DivergedEpoch"/>.</summary>
    Diverged,
}

/// <summary>What a point-set training run (two points, XOR, context blobs) is asked to do.</summary>
public sealed record PointSetTrainRequest
{
    /// <summary>The network.</summary>
    public ModelSpec Model { get; init; } = new();

    /// <summary>Optimiser, learning rate, epochs, seed, batch and threads.</summary>
    public TrainSpec Train { get; init; } = new();

    /// <summary>The point set.</summary>
    public DataSpec Data { get; init; } = new();

    /// <summary>Hidden layers (0-based) whose h2, y2, w are recorded every epoch.</summary>
    public IReadOnlyList<int> TrackLayers { get; init; } = [10];

    /// <summary>Epochs (in [0, epochs]) at which an ONNX checkpoint is written before that epoch's update.</summary>
    public IReadOnlyList<int> CheckpointEpochs { get; init; } = [];

    /// <summary>Folder of the checkpoints (<c>epoch-NNNNN.onnx</c>); required when <see cref="CheckpointEpochs"/> is not empty.</summary>
    public string CheckpointDirectory { get; init; } = "";
}

/// <summary>One online-tracked record: one tracked pair at one hidden layer, before epoch <paramref name="Epoch"/>'s update.</summary>
/// <param name="Epoch">Epoch (0 = initial weights).</param>
/// <param name="Layer">Hidden layer index.</param>
/// <param name="Pair">Index of the pair in the point set's tracked pairs.</param>
/// <param name="H2">‖h_B − h_A‖².</param>
/// <param name="Y2">‖ŷ_B − ŷ_A‖².</param>
/// <param name="W">y2 − (y_B* − y_A*)·(ŷ_B − ŷ_A).</param>
/// <param name="Ybar0">‖ȳ − ȳ*‖² of the pair: its mean prediction against its mean target.</param>
public readonly record struct OnlinePairRow(int Epoch, int Layer, int Pair, double H2, double Y2, double W, double Ybar0);

/// <summary>A written checkpoint.</summary>
/// <param name="Epoch">The epoch whose update had not yet been applied.</param>
/// <param name="Path">Full path of the ONNX file.</param>
public readonly record struct CheckpointFile(int Epoch, string Path);

/// <summary>The outcome of a training run: status, per-epoch records and checkpoints.</summary>
public sealed record TrainResult
{
    /// <summary>Completed or diverged.</summary>
    public required TrainStatus Status { get; init; }

    /// <summary>The epoch whose loss was not finite; −1 when completed.</summary>
    public int DivergedEpoch { get; init; } = -1;

    /// <summary>Empty when completed; otherwise what happened and what to try.</summary>
    public string Message { get; init; } = "";

    /// <summary>Loss (train.loss over the training set) before each epoch's update; epochs + 1 entries when completed.</summary>
    public required double[] Loss { get; init; }


    /// <summary>Online pair records, epoch-major, then pair, then tracked layer.</summary>
    public required IReadOnlyList<OnlinePairRow> Online { get; init; }

    /// <summary>Checkpoints written, in epoch order.</summary>
    public required IReadOnlyList<CheckpointFile> Checkpoints { get; init; }

    /// <summary>Wall-clock seconds of the run.</summary>
    public double Seconds { get; init; }
}

using RepAlign.Core.Specs;

namespace RepAlign.Training;

/// <summary>What a data-set training run (e.g. MNIST) is asked to do.</summary>
public sealed record DatasetTrainRequest
{
    /// <summary>The network.</summary>
    public ModelSpec Model { get; init; } = new();

    /// <summary>Optimiser, learning rate, epochs, seed, batch (0 = full batch) and threads.</summary>
    public TrainSpec Train { get; init; } = new();

    /// <summary>Provenance of the data, written into every checkpoint's metadata (the trainer does not read it).</summary>
    public DataSpec Data { get; init; } = new();

    /// <summary>Inputs, <see cref="Count"/> × <see cref="InputDim"/>, row-major.</summary>
    public float[] X { get; init; } = [];

    /// <summary>Targets, <see cref="Count"/> × <see cref="OutputDim"/>, row-major (e.g. one-hot).</summary>
    public float[] Y { get; init; } = [];

    /// <summary>Number of examples N.</summary>
    public int Count { get; init; }

    /// <summary>Input dimension d_in.</summary>
    public int InputDim { get; init; }

    /// <summary>Output dimension d_out.</summary>
    public int OutputDim { get; init; }

    /// <summary>Pairs of example indices (a, b) whose h2, y2, w are recorded online at the start of every epoch; may be empty.</summary>
    public IReadOnlyList<ExamplePair> TrackPairs { get; init; } = [];

    /// <summary>Hidden layers (0-based) at which the tracked pairs are recorded.</summary>
    public IReadOnlyList<int> TrackLayers { get; init; } = [];

    /// <summary>Epochs (in [0, epochs]) at which an ONNX checkpoint is written before that epoch's updates.</summary>
    public IReadOnlyList<int> CheckpointEpochs { get; init; } = [];

    /// <summary>Folder of the checkpoints (<c>epoch-NNNNN.onnx</c>); required when <see cref="CheckpointEpochs"/> is not empty.</summary>
    public string CheckpointDirectory { get; init; } = "";
}

/// <summary>A pair of example indices into a data set.</summary>
/// <param name="A">Index of the first example.</param>
/// <param name="B">Index of the second example.</param>
public readonly record struct ExamplePair(int A, int B);

/// <summary>One online record of a tracked pair at one hidden layer, at the start of epoch <paramref name="Epoch"/> (eval mode).</summary>
/// <param name="Epoch">Epoch whose updates had not yet been applied (0 = initial weights, E = final).</param>
/// <param name="Pair">Index of the pair in <see cref="DatasetTrainRequest.TrackPairs"/>.</param>
/// <param name="A">Example index a.</param>
/// <param name="B">Example index b.</param>
/// <param name="Layer">Hidden layer index.</param>
/// <param name="H2">‖h_b − h_a‖².</param>
/// <param name="Y2">‖ŷ_b − ŷ_a‖².</param>
/// <param name="W">y2 − (y_b* − y_a*)·(ŷ_b − ŷ_a).</param>
public readonly record struct DatasetPairRow(int Epoch, int Pair, int A, int B, int Layer, double H2, double Y2, double W);

/// <summary>The outcome of a data-set training run.</summary>
public sealed record DatasetTrainResult
{
    /// <summary>Completed or diverged.</summary>
    public required TrainStatus Status { get; init; }

    /// <summary>The epoch during which the loss stopped being finite; −1 when completed.</summary>
    public int DivergedEpoch { get; init; } = -1;

    /// <summary>Empty when completed; otherwise what happened and what to try.</summary>
    public string Message { get; init; } = "";

    /// <summary>
    /// Mean training loss (train.loss) of each epoch's mini-batches, weighted by batch rows, from the
    /// forward passes the updates used (training mode); one entry per completed epoch.
    /// </summary>
    public required double[] EpochLoss { get; init; }

    /// <summary>Online pair records: epoch-major (epochs 0 … E, or up to the diverged epoch), then pair, then tracked-layer order.</summary>
    public required IReadOnlyList<DatasetPairRow> Online { get; init; }

    /// <summary>Checkpoints written, in epoch order.</summary>
    public required IReadOnlyList<CheckpointFile> Checkpoints { get; init; }

    /// <summary>Wall-clock seconds of the run.</summary>
    public double Seconds { get; init; }

    /// <summary>Seconds spent writing checkpoints (included in <see cref="Seconds"/>).</summary>
    public double CheckpointSeconds { get; init; }
}

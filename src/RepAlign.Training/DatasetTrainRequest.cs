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

    /// <summary>Epochs (in [0, epochs]) at which an ONNX checkpoint is written before that epoch's updates.</summary>
    public IReadOnlyList<int> CheckpointEpochs { get; init; } = [];

    /// <summary>Folder of the checkpoints (<c>epoch-NNNNN.onnx</c>); required when <see cref="CheckpointEpochs"/> is not empty.</summary>
    public string CheckpointDirectory { get; init; } = "";
}

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
    /// Mean training loss (0.5·MSE) of each epoch's mini-batches, weighted by batch rows, from the
    /// forward passes the updates used (training mode); one entry per completed epoch.
    /// </summary>
    public required double[] EpochLoss { get; init; }

    /// <summary>Checkpoints written, in epoch order.</summary>
    public required IReadOnlyList<CheckpointFile> Checkpoints { get; init; }

    /// <summary>Wall-clock seconds of the run.</summary>
    public double Seconds { get; init; }

    /// <summary>Seconds spent writing checkpoints (included in <see cref="Seconds"/>).</summary>
    public double CheckpointSeconds { get; init; }
}

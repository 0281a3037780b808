using RepAlign.Core.Specs;

namespace RepAlign.Training;

/// <summary>What every training run is asked to do, whatever it trains on: the network, the training settings and the checkpoints.</summary>
public abstract record TrainRequest
{
    /// <summary>The network.</summary>
    public ModelSpec Model { get; init; } = new();

    /// <summary>Optimiser, learning rate, epochs, seed, batch (0 = full batch) and threads.</summary>
    public TrainSpec Train { get; init; } = new();

    /// <summary>
    /// The data: the point set a point-set run trains on; for a data-set run, the provenance written into every
    /// checkpoint's metadata (that trainer reads <see cref="DatasetTrainRequest.X"/> and <see cref="DatasetTrainRequest.Y"/>).
    /// </summary>
    public DataSpec Data { get; init; } = new();

    /// <summary>Epochs (in [0, epochs]) at which an ONNX checkpoint is written before that epoch's updates.</summary>
    public IReadOnlyList<int> CheckpointEpochs { get; init; } = [];

    /// <summary>Folder of the checkpoints (<c>epoch-NNNNN.onnx</c>); required when <see cref="CheckpointEpochs"/> is not empty.</summary>
    public string CheckpointDirectory { get; init; } = "";

    /// <summary>The step's implementation: <see cref="StepPath.Fast"/> (default) or the autograd reference it is checked against.</summary>
    public StepPath Step { get; init; } = StepPath.Fast;
}

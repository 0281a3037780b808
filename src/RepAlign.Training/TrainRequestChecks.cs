using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Specs;

namespace RepAlign.Training;

/// <summary>The checks both trainers make of a request (training settings, network, tracked layers, checkpoints); each throws <see cref="BadInputException"/> naming the field.</summary>
internal static class TrainRequestChecks
{
    /// <summary>Learning rate, epochs, batch, threads and optimiser.</summary>
    public static void Train(TrainSpec t)
    {
        var inv = CultureInfo.InvariantCulture;
        if (!(t.Lr > 0) || double.IsInfinity(t.Lr)) Throw.BadValue("train.lr", t.Lr.ToString("R", inv), "a finite number > 0");
        if (t.Epochs < 0) Throw.BadValue("train.epochs", t.Epochs.ToString(inv), "an integer ≥ 0");
        if (t.Batch < 0) Throw.BadValue("train.batch", t.Batch.ToString(inv), "0 (full batch) or a positive batch size");
        if (t.Threads < 1) Throw.BadValue("train.threads", t.Threads.ToString(inv), "an integer ≥ 1");
        if (!Enum.IsDefined(t.Optimizer)) Throw.BadValue("train.optimizer", t.Optimizer.ToString(), "sgd or adam");
    }

    /// <summary>The network for the data's dimensions, the tracked hidden layers, and the checkpoint epochs and folder.</summary>
    public static void NetworkAndOutputs(
        ModelSpec model, int inputDim, int outputDim, int epochs, IReadOnlyList<int> trackLayers,
        IReadOnlyList<int> checkpointEpochs, string checkpointDirectory)
    {
        var inv = CultureInfo.InvariantCulture;
        Architecture.Validate(model, inputDim, outputDim);
        var hiddenCount = Architecture.HiddenLayerCount(model);
        foreach (var layer in trackLayers)
            if (layer < 0 || layer >= hiddenCount)
                Throw.BadValue("track.layers", layer.ToString(inv), $"a hidden-layer index in [0, {hiddenCount - 1}] ({hiddenCount} hidden outputs for model.kind {model.Kind} of model.depth {model.Depth})");
        foreach (var epoch in checkpointEpochs)
            if (epoch < 0 || epoch > epochs)
                Throw.BadValue("checkpoint epochs", epoch.ToString(inv), $"an epoch in [0, {epochs}]");
        if (checkpointEpochs.Count > 0 && string.IsNullOrWhiteSpace(checkpointDirectory))
            Throw.BadValue("checkpoint directory", "an empty path", "a folder for the checkpoints");
    }
}

namespace RepAlign.Training;

/// <summary>The outcome of a data-set training run.</summary>
public sealed record DatasetTrainResult : TrainOutcome
{
    /// <summary>
    /// Mean training loss (train.loss) of each epoch's mini-batches, weighted by batch rows, from the
    /// forward passes the updates used (training mode); one entry per completed epoch.
    /// </summary>
    public required double[] EpochLoss { get; init; }

    /// <summary>Seconds spent writing checkpoints (included in <see cref="TrainOutcome.Seconds"/>).</summary>
    public double CheckpointSeconds { get; init; }
}

namespace RepAlign.Training;

/// <summary>The outcome of a data-set training run.</summary>
public sealed record DatasetTrainResult : TrainOutcome
{
    /// <summary>
    /// Mean training loss (train.loss) of each epoch's mini-batches, weighted by batch rows, from the
    /// forward passes the updates used (training mode); one entry per completed epoch.
    /// </summary>
    public required double[] EpochLoss { get; init; }

    /// <summary>
    /// Seconds the training thread spent on checkpoints (included in <see cref="TrainOutcome.Seconds"/>): taking each
    /// snapshot and waiting for a free slot; a second thread writes the files while training goes on.
    /// </summary>
    public double CheckpointSeconds { get; init; }
}

namespace RepAlign.Training;

/// <summary>One online-tracked record: one tracked pair at one hidden layer, before epoch <paramref name="Epoch"/>'s update.</summary>
/// <param name="Epoch">Epoch (0 = initial weights).</param>
/// <param name="Layer">Hidden layer index.</param>
/// <param name="Pair">Index of the pair in the point set's tracked pairs.</param>
/// <param name="H2">‖h_B − h_A‖².</param>
/// <param name="Y2">‖ŷ_B − ŷ_A‖².</param>
/// <param name="W">y2 − (y_B* − y_A*)·(ŷ_B − ŷ_A).</param>
/// <param name="Ybar0">‖ȳ − ȳ*‖² of the pair: its mean prediction against its mean target.</param>
public readonly record struct OnlinePairRow(int Epoch, int Layer, int Pair, double H2, double Y2, double W, double Ybar0);

/// <summary>The outcome of a point-set training run: its status, per-epoch records and checkpoints.</summary>
public sealed record TrainResult : TrainOutcome
{
    /// <summary>Loss (train.loss over the training set) before each epoch's update; epochs + 1 entries when completed.</summary>
    public required double[] Loss { get; init; }

    /// <summary>Online pair records, epoch-major, then pair, then tracked layer.</summary>
    public required IReadOnlyList<OnlinePairRow> Online { get; init; }
}

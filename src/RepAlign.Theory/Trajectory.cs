namespace RepAlign.Theory;

/// <summary>
/// A measured two-point trajectory: the three scalars of docs/theory.md §1 recorded at some epochs
/// (before that epoch's update), optionally with the training loss and the mean-prediction error.
/// </summary>
/// <param name="Epoch">Recorded epochs, strictly increasing; contiguous (0..T−1) or sparse.</param>
/// <param name="H">h = ‖h(x2) − h(x1)‖² at each recorded epoch.</param>
/// <param name="Y">y = ‖ŷ(x2) − ŷ(x1)‖² at each recorded epoch.</param>
/// <param name="W">w = y − (y2* − y1*)·(ŷ(x2) − ŷ(x1)) at each recorded epoch.</param>
/// <param name="Loss">Training loss 0.5·MSE over the two points, or null when not recorded.</param>
/// <param name="Ybar0">‖mean prediction − mean target‖², or null when not recorded.</param>
public sealed record Trajectory(
    double[] Epoch,
    double[] H,
    double[] Y,
    double[] W,
    double[]? Loss = null,
    double[]? Ybar0 = null)
{
    /// <summary>Number of recorded epochs.</summary>
    public int Count => Epoch.Length;
}

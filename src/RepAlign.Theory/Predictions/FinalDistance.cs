using RepAlign.Core;

namespace RepAlign.Theory;

/// <summary>The final-distance prediction of one pair: A_low, A_high, h(∞) and the regime.</summary>
/// <param name="ALow">A_low = sqrt(η_h/η_y · dx2 · dy2).</param>
/// <param name="AHigh">A_high = h(0) − (η_h/η_y)·dx2·y(0)/h(0).</param>
/// <param name="HInfinity">h(∞) = ½A_high + sqrt(¼A_high² + A_low²).</param>
/// <param name="RichnessRatio">A_low/|A_high| (+∞ when A_high = 0).</param>
/// <param name="Regime">Regime from <paramref name="RichnessRatio"/>.</param>
public readonly record struct FinalDistancePrediction(double ALow, double AHigh, double HInfinity, double RichnessRatio, Regime Regime);

/// <summary>
/// The fixed point of the two-point system (docs/theory.md §1): y = dy2, w = 0 with C conserved.
/// Only the rate ratio η_h/η_y enters.
/// </summary>
public static class FinalDistance
{
    /// <summary>A_low/|A_high| above this is <see cref="Regime.Rich"/>.</summary>
    public const double RichThreshold = 10.0;

    /// <summary>A_low/|A_high| below this is <see cref="Regime.Lazy"/>.</summary>
    public const double LazyThreshold = 0.1;

    /// <summary>A_low = sqrt(ratio · dx2 · dy2).</summary>
    /// <param name="rateRatio">η_h/η_y.</param>
    /// <param name="dx2">‖x2 − x1‖².</param>
    /// <param name="dy2">‖y2* − y1*‖².</param>
    public static double ALow(double rateRatio, double dx2, double dy2) => Math.Sqrt(rateRatio * dx2 * dy2);

    /// <summary>A_high = h0 − ratio·dx2·y0/h0 (= dx2·C).</summary>
    /// <param name="rateRatio">η_h/η_y.</param>
    /// <param name="dx2">‖x2 − x1‖².</param>
    /// <param name="h0">h(0).</param>
    /// <param name="y0">y(0).</param>
    public static double AHigh(double rateRatio, double dx2, double h0, double y0) => h0 - rateRatio * dx2 * y0 / h0;

    /// <summary>h(∞) = ½A_high + sqrt(¼A_high² + A_low²), evaluated without cancellation when A_high &lt; 0.</summary>
    /// <param name="aLow">A_low.</param>
    /// <param name="aHigh">A_high.</param>
    public static double HInfinity(double aLow, double aHigh)
    {
        double root = Math.Sqrt(0.25 * aHigh * aHigh + aLow * aLow);
        return aHigh >= 0 ? 0.5 * aHigh + root : aLow * aLow / (root - 0.5 * aHigh);
    }

    /// <summary>The ratio A_low/|A_high| (+∞ when A_high = 0).</summary>
    /// <param name="aLow">A_low.</param>
    /// <param name="aHigh">A_high.</param>
    public static double RichnessRatio(double aLow, double aHigh) =>
        aHigh == 0 ? double.PositiveInfinity : aLow / Math.Abs(aHigh);

    /// <summary>Classifies a richness ratio with the documented thresholds.</summary>
    /// <param name="richnessRatio">A_low/|A_high|.</param>
    public static Regime Classify(double richnessRatio) =>
        double.IsNaN(richnessRatio) ? Regime.Undetermined
        : richnessRatio > RichThreshold ? Regime.Rich
        : richnessRatio < LazyThreshold ? Regime.Lazy
        : Regime.Intermediate;

    /// <summary>The full prediction for one pair.</summary>
    /// <param name="etaH">η_h.</param>
    /// <param name="etaY">η_y.</param>
    /// <param name="dx2">‖x2 − x1‖².</param>
    /// <param name="dy2">‖y2* − y1*‖².</param>
    /// <param name="h0">h(0).</param>
    /// <param name="y0">y(0).</param>
    public static FinalDistancePrediction Predict(double etaH, double etaY, double dx2, double dy2, double h0, double y0)
    {
        double ratio = etaH / etaY;
        double aLow = ALow(ratio, dx2, dy2);
        double aHigh = AHigh(ratio, dx2, h0, y0);
        double richness = RichnessRatio(aLow, aHigh);
        return new FinalDistancePrediction(aLow, aHigh, HInfinity(aLow, aHigh), richness, Classify(richness));
    }

    /// <summary>
    /// The pairwise h(∞) matrix (e.g. XOR): entry (i, j) applies the two-point prediction to the pair
    /// (i, j) with its own dx2, dy2 (targets), initial hidden distance h0 and initial output distance y0.
    /// Pairs with h0 = 0 (the diagonal, identical inputs) predict 0.
    /// </summary>
    /// <param name="dx2">Squared input distances (n × n).</param>
    /// <param name="dy2">Squared target distances (n × n).</param>
    /// <param name="h0">Squared hidden distances at initialisation (n × n).</param>
    /// <param name="y0">Squared output distances at initialisation (n × n).</param>
    /// <param name="rateRatio">η_h/η_y.</param>
    /// <returns>h(∞) for every pair (n × n).</returns>
    public static double[,] PairwiseHInfinity(double[,] dx2, double[,] dy2, double[,] h0, double[,] y0, double rateRatio)
    {
        int n = dx2.GetLength(0);
        RequireSquare(dx2, n, nameof(dx2));
        RequireSquare(dy2, n, nameof(dy2));
        RequireSquare(h0, n, nameof(h0));
        RequireSquare(y0, n, nameof(y0));
        if (!(rateRatio > 0) || !double.IsFinite(rateRatio))
        {
            Throw.Argument(nameof(rateRatio), $"rateRatio is {rateRatio}; expected a finite positive η_h/η_y.");
        }

        var result = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (h0[i, j] <= 0) continue;
                double aLow = ALow(rateRatio, dx2[i, j], dy2[i, j]);
                double aHigh = AHigh(rateRatio, dx2[i, j], h0[i, j], y0[i, j]);
                result[i, j] = HInfinity(aLow, aHigh);
            }
        }

        return result;
    }

    internal static void RequireSquare(double[,] matrix, int n, string name)
    {
        if (matrix.GetLength(0) != n || matrix.GetLength(1) != n)
        {
            Throw.ShapeMismatch(name, $"{matrix.GetLength(0)}×{matrix.GetLength(1)}", $"{n}×{n}");
        }
    }
}

namespace RepAlign.Theory;

/// <summary>
/// The analytic training loss of docs/theory.md §1 (0.5·MSE over the two points):
/// L(t) = ¼ [ 2 e^(−2 η_ybar t) ‖ybar(0) − ybar*‖² + w(t) + ½ (dy2 − y(t)) ].
/// </summary>
public static class AnalyticLoss
{
    /// <summary>L(t) from the mean-prediction rate and the 3-D solution at t.</summary>
    /// <param name="t">Time since the start of the fit (epochs).</param>
    /// <param name="etaYbar">η_ybar.</param>
    /// <param name="ybar0">‖ybar(0) − ybar*‖² at t = 0.</param>
    /// <param name="w">w(t).</param>
    /// <param name="y">y(t).</param>
    /// <param name="dy2">dy2.</param>
    public static double Loss(double t, double etaYbar, double ybar0, double w, double y, double dy2) =>
        0.25 * (2.0 * Math.Exp(-2.0 * etaYbar * t) * ybar0 + w + 0.5 * (dy2 - y));

    /// <summary>
    /// Fits η_ybar to a measured loss curve with the 3-D solution held fixed: the grid
    /// logspace(−5, 0, 10) (the reference's), then golden-section refinement of ln η_ybar between
    /// the best grid point's neighbours.
    /// </summary>
    /// <param name="times">Times since the start of the fit.</param>
    /// <param name="loss">Measured loss at <paramref name="times"/>.</param>
    /// <param name="ybar0">‖ybar(0) − ybar*‖² at t = 0.</param>
    /// <param name="w">Fitted w at <paramref name="times"/>.</param>
    /// <param name="y">Fitted y at <paramref name="times"/>.</param>
    /// <param name="dy2">dy2.</param>
    /// <param name="objective">The minimised Σ (L − L̂)².</param>
    /// <returns>The fitted η_ybar.</returns>
    public static double FitEtaYbar(
        ReadOnlySpan<double> times, ReadOnlySpan<double> loss, double ybar0,
        ReadOnlySpan<double> w, ReadOnlySpan<double> y, double dy2, out double objective)
    {
        const int gridPoints = 10;
        const double logMin = -5.0 * 2.302585092994046, logMax = 0.0;
        double spacing = (logMax - logMin) / (gridPoints - 1);
        int best = 0;
        double bestValue = double.PositiveInfinity;
        for (int k = 0; k < gridPoints; k++)
        {
            double value = Objective(Math.Exp(logMin + k * spacing), times, loss, ybar0, w, y, dy2);
            if (value < bestValue)
            {
                bestValue = value;
                best = k;
            }
        }

        double lo = logMin + (best - 1) * spacing, hi = logMin + (best + 1) * spacing;
        const double invPhi = 0.6180339887498949;
        double a = lo, b = hi;
        double c = b - invPhi * (b - a), d = a + invPhi * (b - a);
        double fc = Objective(Math.Exp(c), times, loss, ybar0, w, y, dy2);
        double fd = Objective(Math.Exp(d), times, loss, ybar0, w, y, dy2);
        for (int iteration = 0; iteration < 80 && b - a > 1e-10; iteration++)
        {
            if (fc < fd)
            {
                b = d; d = c; fd = fc;
                c = b - invPhi * (b - a);
                fc = Objective(Math.Exp(c), times, loss, ybar0, w, y, dy2);
            }
            else
            {
                a = c; c = d; fc = fd;
                d = a + invPhi * (b - a);
                fd = Objective(Math.Exp(d), times, loss, ybar0, w, y, dy2);
            }
        }

        double refined = fc < fd ? c : d;
        double refinedValue = Math.Min(fc, fd);
        if (refinedValue <= bestValue)
        {
            objective = refinedValue;
            return Math.Exp(refined);
        }

        objective = bestValue;
        return Math.Exp(logMin + best * spacing);
    }

    private static double Objective(
        double eta, ReadOnlySpan<double> times, ReadOnlySpan<double> loss, double ybar0,
        ReadOnlySpan<double> w, ReadOnlySpan<double> y, double dy2)
    {
        double sum = 0;
        for (int i = 0; i < times.Length; i++)
        {
            double r = loss[i] - Loss(times[i], eta, ybar0, w[i], y[i], dy2);
            sum += r * r;
        }

        return sum;
    }
}

using System.Globalization;

namespace RepAlign.Theory;

/// <summary>Validates a trajectory and cuts the fit window; every rejection names the row and epoch.</summary>
internal static class FitInput
{
    /// <summary>The largest |h|, |y|, |w| accepted: squares and products of larger values overflow a double.</summary>
    public const double MaxMagnitude = 1e150;

    public static bool TryPrepare(Trajectory t, double dx2, double dy2, FitOptions options, out FitProblem? problem, out string message)
    {
        problem = null;
        message = "";
        if (!(dx2 > 0) || !double.IsFinite(dx2))
        {
            message = $"dx2 = {F(dx2)}; expected a finite positive squared input distance ‖x2 − x1‖².";
            return false;
        }

        if (!(dy2 >= 0) || !double.IsFinite(dy2))
        {
            message = $"dy2 = {F(dy2)}; expected a finite non-negative squared target distance ‖y2* − y1*‖².";
            return false;
        }

        if (t is null || t.Epoch is null || t.H is null || t.Y is null || t.W is null)
        {
            message = "the trajectory or one of its Epoch/H/Y/W columns is null; expected four columns of equal length.";
            return false;
        }

        int n = t.Epoch.Length;
        if (t.H.Length != n || t.Y.Length != n || t.W.Length != n
            || (t.Loss is not null && t.Loss.Length != n) || (t.Ybar0 is not null && t.Ybar0.Length != n))
        {
            message = $"column lengths differ: Epoch {n}, H {t.H.Length}, Y {t.Y.Length}, W {t.W.Length}, "
                + $"Loss {t.Loss?.Length.ToString(CultureInfo.InvariantCulture) ?? "none"}, Ybar0 {t.Ybar0?.Length.ToString(CultureInfo.InvariantCulture) ?? "none"}; expected equal lengths.";
            return false;
        }

        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(t.Epoch[i]) || (i > 0 && !(t.Epoch[i] > t.Epoch[i - 1])))
            {
                message = $"epoch at row {i} is {F(t.Epoch[i])}; expected finite epochs strictly increasing.";
                return false;
            }
        }

        double start = options.WindowStart ?? double.NegativeInfinity;
        double end = options.WindowEnd ?? double.PositiveInfinity;
        int first = 0;
        while (first < n && t.Epoch[first] < start) first++;
        int last = n - 1;
        while (last >= 0 && t.Epoch[last] > end) last--;
        int count = last - first + 1;
        if (count < 3)
        {
            message = $"the fit window [{F(start)}, {F(end)}] holds {Math.Max(count, 0)} recorded epochs; expected at least 3.";
            return false;
        }

        bool withLoss = options.FitLoss && t.Loss is not null && t.Ybar0 is not null;
        for (int i = first; i <= last; i++)
        {
            string? bad = !double.IsFinite(t.H[i]) ? $"h = {F(t.H[i])}"
                : !double.IsFinite(t.Y[i]) ? $"y = {F(t.Y[i])}"
                : !double.IsFinite(t.W[i]) ? $"w = {F(t.W[i])}"
                : withLoss && !double.IsFinite(t.Loss![i]) ? $"loss = {F(t.Loss[i])}"
                : withLoss && !double.IsFinite(t.Ybar0![i]) ? $"ybar0 = {F(t.Ybar0[i])}"
                : null;
            if (bad is not null)
            {
                message = $"row {i} (epoch {F(t.Epoch[i])}) has {bad}; expected finite values at every fitted epoch.";
                return false;
            }

            // Values whose squares overflow (h = 1e308) make the system's products infinite: degenerate, not "lazy".
            double largest = Math.Max(Math.Abs(t.H[i]), Math.Max(Math.Abs(t.Y[i]), Math.Abs(t.W[i])));
            if (largest > MaxMagnitude)
            {
                message = $"row {i} (epoch {F(t.Epoch[i])}) has a value of magnitude {F(largest)}; expected |h|, |y|, |w| ≤ {F(MaxMagnitude)} (larger values overflow the system's products).";
                return false;
            }

            if (!(t.H[i] > 0))
            {
                message = $"row {i} (epoch {F(t.Epoch[i])}) has h = {F(t.H[i])}; expected h > 0 (the system has 1/h terms; identical representations cannot be fitted).";
                return false;
            }
        }

        var h = t.H[first..(last + 1)];
        var y = t.Y[first..(last + 1)];
        var w = t.W[first..(last + 1)];
        if (Variance(h) == 0 && Variance(y) == 0 && Variance(w) == 0)
        {
            message = $"h, y and w are constant over the {count} fitted epochs; expected a trajectory that moves (no dynamics to fit).";
            return false;
        }

        var epoch = t.Epoch[first..(last + 1)];
        var times = new double[count];
        for (int i = 0; i < count; i++) times[i] = epoch[i] - epoch[0];

        bool normalized = options.Weighting == FitWeighting.Normalized;
        problem = new FitProblem
        {
            Epoch = epoch,
            Times = times,
            H = h,
            Y = y,
            W = w,
            Loss = withLoss ? t.Loss![first..(last + 1)] : null,
            Ybar0 = withLoss ? t.Ybar0![first..(last + 1)] : null,
            WeightH = normalized ? InverseVariance(h) : 1.0,
            WeightY = normalized ? InverseVariance(y) : 1.0,
            WeightW = normalized ? InverseVariance(w) : 1.0,
            Dx2 = dx2,
            Dy2 = dy2,
            Variant = options.Dynamics,
        };
        return true;
    }

    public static double Variance(ReadOnlySpan<double> values)
    {
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        double sum = 0;
        foreach (double v in values) sum += (v - mean) * (v - mean);
        return sum / values.Length;
    }

    // A variable that does not move gets weight 1 so its (zero-variance) residuals still count.
    private static double InverseVariance(ReadOnlySpan<double> values)
    {
        double variance = Variance(values);
        return variance > 0 ? 1.0 / variance : 1.0;
    }

    private static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

namespace RepAlign.Theory;

/// <summary>
/// The Wilson score interval of a binomial proportion (Wilson 1927): the interval of p whose score test at level
/// 1 − α does not reject the observed k of n. Unlike p̂ ± z·sqrt(p̂(1 − p̂)/n) it stays inside [0, 1] and does not
/// collapse to a point at k = 0 or k = n, which is where the fractions of this project often are.
/// </summary>
public static class Wilson
{
    /// <summary>The two-sided 95 % quantile of the standard normal distribution.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>The 95 % Wilson interval of <paramref name="successes"/> out of <paramref name="trials"/>; (NaN, NaN) for no trials.</summary>
    /// <param name="successes">k, 0 ≤ k ≤ n.</param>
    /// <param name="trials">n ≥ 0.</param>
    /// <param name="z">The normal quantile (1.96 for 95 %).</param>
    /// <exception cref="ArgumentOutOfRangeException">k or n out of range.</exception>
    public static (double Low, double High) Interval(int successes, int trials, double z = Z95)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        if (trials == 0) return (double.NaN, double.NaN);
        double n = trials, p = successes / n, z2 = z * z;
        double centre = (p + z2 / (2 * n)) / (1 + z2 / n);
        double half = z / (1 + z2 / n) * Math.Sqrt(p * (1 - p) / n + z2 / (4 * n * n));
        // Exact ends at k = 0 and k = n (the formula gives them up to rounding).
        double low = successes == 0 ? 0.0 : Math.Max(0.0, centre - half);
        double high = successes == trials ? 1.0 : Math.Min(1.0, centre + half);
        return (low, high);
    }
}

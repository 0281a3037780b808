namespace RepAlign.Theory;

/// <summary>Standard errors and 95 % intervals of the two rates, or why there are none.</summary>
/// <param name="StdErrEtaH">Standard error of η_h (delta method from ln η_h); +∞ when the curvature is singular or missing.</param>
/// <param name="StdErrEtaY">Standard error of η_y; +∞ likewise.</param>
/// <param name="EtaHLow">Lower end of the 95 % interval of η_h; NaN when <paramref name="Note"/> says why.</param>
/// <param name="EtaHHigh">Upper end of the 95 % interval of η_h.</param>
/// <param name="EtaYLow">Lower end of the 95 % interval of η_y.</param>
/// <param name="EtaYHigh">Upper end of the 95 % interval of η_y.</param>
/// <param name="Note">Empty when the intervals exist, else the reason they are NaN.</param>
internal readonly record struct RateUncertainty(double StdErrEtaH, double StdErrEtaY, double EtaHLow, double EtaHHigh, double EtaYLow, double EtaYHigh, string Note);

/// <summary>
/// The rates' uncertainty from the Gauss–Newton curvature at the optimum. The fit's parameters θ are ln η_h, ln η_y
/// (and, with a fitted initial state, ln h₀, y₀, w₀); their covariance is σ²·(JᵀWJ)⁻¹ with σ² = S_w/(3n − k), the
/// residual variance of the 3n residuals after k parameters. The 95 % interval of each rate is exp(ln η ± 1.96·se(ln η)):
/// computed on the log scale the fit works in and mapped back, so it is always positive and asymmetric like the
/// likelihood of a rate (a rate barely identified gets (≈0, large), never a symmetric interval reaching below zero).
/// The standard error of η itself is η·se(ln η) (the delta method).
/// </summary>
internal static class RateIntervals
{
    /// <summary>The two-sided 95 % quantile of the standard normal distribution.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// The relative pivot below which the correlation-scaled JᵀWJ counts as singular (its reciprocal condition number,
    /// roughly): a parameter that is a linear combination of the others to this precision has no finite interval.
    /// </summary>
    public const double SingularThreshold = 1e-12;

    /// <summary>The rates' uncertainty; <paramref name="curvature"/> false when no normal equations exist at the optimum.</summary>
    public static RateUncertainty From(in NormalEquations normal, bool curvature, int samples, double etaH, double etaY, FitStatus status)
    {
        double inf = double.PositiveInfinity, nan = double.NaN;
        if (status is FitStatus.Diverged or FitStatus.DegenerateInput)
        {
            return new(nan, nan, nan, nan, nan, nan, $"the fit did not give rates ({status})");
        }

        if (!curvature || normal.Count < 2)
        {
            return new(inf, inf, nan, nan, nan, nan, "no curvature: the sensitivity equations could not be integrated at the fitted rates");
        }

        Span<double> variance = stackalloc double[2];
        if (!SmallSymmetric.InverseDiagonal(normal, 2, SingularThreshold, variance))
        {
            return new(inf, inf, nan, nan, nan, nan, "singular curvature: JᵀJ is singular at the optimum (not identifiable from this trajectory)");
        }

        double sigma2 = normal.Sum / Math.Max(1, 3 * samples - normal.Count);
        double seLogH = Math.Sqrt(sigma2 * variance[0]), seLogY = Math.Sqrt(sigma2 * variance[1]);
        double seH = etaH * seLogH, seY = etaY * seLogY;
        if (status != FitStatus.Converged || !double.IsFinite(seLogH) || !double.IsFinite(seLogY))
        {
            string why = status != FitStatus.Converged ? $"not converged ({status}): the curvature is not at a minimum" : "the residual variance is not finite";
            return new(seH, seY, nan, nan, nan, nan, why);
        }

        double hLow = etaH * Math.Exp(-Z95 * seLogH), hHigh = etaH * Math.Exp(Z95 * seLogH);
        double yLow = etaY * Math.Exp(-Z95 * seLogY), yHigh = etaY * Math.Exp(Z95 * seLogY);
        if (!(hLow > 0 && double.IsFinite(hHigh) && yLow > 0 && double.IsFinite(yHigh)))
        {
            // A curvature so flat that exp(±1.96·se) leaves the doubles: numerically singular, whatever the pivots said.
            string rate = !(hLow > 0 && double.IsFinite(hHigh)) ? $"η_h (se of ln η_h = {seLogH:G3})" : $"η_y (se of ln η_y = {seLogY:G3})";
            return new(inf, inf, nan, nan, nan, nan, $"singular curvature: the interval of {rate} spans more than the range of a double (not identifiable from this trajectory)");
        }

        return new(seH, seY, hLow, hHigh, yLow, yHigh, "");
    }
}

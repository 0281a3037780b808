namespace RepAlign.Theory;

/// <summary>
/// Nelder–Mead on (ln η_h, ln η_y) with the accurate integrator; rates the system cannot be integrated at
/// count as +∞, so the simplex stays where it can. Used only when the sensitivity equations fail.
/// </summary>
internal static class NelderMead
{
    /// <summary>Refines (<paramref name="logEtaH"/>, <paramref name="logEtaY"/>) in place.</summary>
    public static Refinement Refine(FitProblem p, FitOptions options, ref double logEtaH, ref double logEtaY)
    {
        int evaluations = 0;
        Span<double> xs = [logEtaH, logEtaH + 0.5, logEtaH];
        Span<double> ys = [logEtaY, logEtaY, logEtaY + 0.5];
        Span<double> fs = stackalloc double[3];
        for (int i = 0; i < 3; i++) fs[i] = F(xs[i], ys[i]);
        int iteration = 0;
        for (; iteration < 20 * options.MaxIterations; iteration++)
        {
            // Order best (0) to worst (2).
            for (int i = 0; i < 2; i++)
                for (int j = i + 1; j < 3; j++)
                    if (fs[j] < fs[i]) { (fs[i], fs[j]) = (fs[j], fs[i]); (xs[i], xs[j]) = (xs[j], xs[i]); (ys[i], ys[j]) = (ys[j], ys[i]); }
            if (!double.IsFinite(fs[0])) return new Refinement(FitStatus.Diverged, iteration, "", evaluations);
            if (fs[2] - fs[0] <= options.Tolerance * Math.Max(1e-300, Math.Abs(fs[0])) && Math.Abs(xs[2] - xs[0]) + Math.Abs(ys[2] - ys[0]) < 1e-6) break;
            double cx = 0.5 * (xs[0] + xs[1]), cy = 0.5 * (ys[0] + ys[1]);
            double rx = 2 * cx - xs[2], ry = 2 * cy - ys[2], fr = F(rx, ry);
            if (fr < fs[0])
            {
                double ex = 3 * cx - 2 * xs[2], ey = 3 * cy - 2 * ys[2], fe = F(ex, ey);
                (xs[2], ys[2], fs[2]) = fe < fr ? (ex, ey, fe) : (rx, ry, fr);
            }
            else if (fr < fs[1])
            {
                (xs[2], ys[2], fs[2]) = (rx, ry, fr);
            }
            else
            {
                double kx = 0.5 * (cx + xs[2]), ky = 0.5 * (cy + ys[2]), fk = F(kx, ky);
                if (fk < fs[2])
                {
                    (xs[2], ys[2], fs[2]) = (kx, ky, fk);
                }
                else
                {
                    for (int i = 1; i < 3; i++)
                    {
                        xs[i] = 0.5 * (xs[0] + xs[i]);
                        ys[i] = 0.5 * (ys[0] + ys[i]);
                        fs[i] = F(xs[i], ys[i]);
                    }
                }
            }
        }

        int best = fs[0] <= fs[1] && fs[0] <= fs[2] ? 0 : fs[1] <= fs[2] ? 1 : 2;
        if (!double.IsFinite(fs[best])) return new Refinement(FitStatus.Diverged, iteration, "", evaluations);
        (logEtaH, logEtaY) = (xs[best], ys[best]);
        var status = iteration >= 20 * options.MaxIterations ? FitStatus.IterationLimit : FitStatus.Converged;
        return new Refinement(status, iteration,
            "the sensitivity equations could not be integrated at the grid's best rates, so no standard errors", evaluations, "Nelder–Mead");

        double F(double a, double b)
        {
            evaluations++;
            return p.Objective(Math.Exp(a), Math.Exp(b), options.Integrator, double.PositiveInfinity);
        }
    }
}

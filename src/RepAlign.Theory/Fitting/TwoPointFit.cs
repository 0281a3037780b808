using System.Diagnostics;
using System.Globalization;

namespace RepAlign.Theory;

/// <summary>
/// Fits the effective learning rates (η_h, η_y) of the two-point system to a measured trajectory
/// (THEORY.md §2), then η_ybar to the loss curve. Same objective and initialisation as the reference
/// (log grid g, candidates g·(ratio, 1) with ratio = h_T²/(dx2·dy2), plus a second line from the
/// conserved C for the lazy regime); the reference's Radau + BFGS
/// refinement is replaced by Levenberg–Marquardt on (ln η_h, ln η_y).
/// </summary>
/// <remarks>
/// <para>Grid: each candidate is integrated with loose tolerances and abandoned as soon as its
/// partial objective exceeds the best so far. Candidates are visited coarse-to-fine (every k-th
/// point first, then the rest nearest the current best first) so the bound is tight early; the
/// candidates with large rates then stop within a few epochs.</para>
/// <para>Refinement: the Jacobian comes from forward sensitivities (the 9-variable system
/// <see cref="TwoPointSensitivitySystem"/>) rather than finite differences. With an adaptive
/// integrator, finite differences differentiate the step-size selection as well as the solution
/// (the step sequence changes between the perturbed runs), which makes the gradient noisy at the
/// 1e-6 level just where convergence is decided; one sensitivity integration costs about as much as
/// the two extra integrations finite differences would need and is exact to the integration
/// tolerance. Gauss–Newton normal equations are accumulated while integrating: no Jacobian is
/// stored.</para>
/// <para>Parallelism is left to callers: one fit is sequential; bulk sweeps run fits in parallel.</para>
/// </remarks>
public static class TwoPointFit
{
    /// <summary>Fits a trajectory.</summary>
    /// <param name="t">The measured trajectory.</param>
    /// <param name="dx2">‖x2 − x1‖² (must be positive).</param>
    /// <param name="dy2">‖y2* − y1*‖² (must be non-negative).</param>
    /// <param name="options">Options; null = <see cref="FitOptions.Default"/>.</param>
    /// <returns>
    /// The fit. Bad input (too few epochs, NaN rows, h ≤ 0, a constant trajectory, dx2 ≤ 0) gives
    /// <see cref="FitStatus.DegenerateInput"/> with a message, never an exception.
    /// </returns>
    /// <exception cref="ArgumentException">The options themselves are invalid (e.g. GridPoints &lt; 1).</exception>
    public static FitResult Fit(Trajectory t, double dx2, double dy2, FitOptions? options = null)
    {
        var clock = Stopwatch.StartNew();
        options ??= FitOptions.Default;
        ValidateOptions(options);
        if (!FitInput.TryPrepare(t, dx2, dy2, options, out var problem, out string message))
        {
            return new FitResult { Status = FitStatus.DegenerateInput, Message = message, FitSeconds = clock.Elapsed.TotalSeconds };
        }

        var p = problem!;
        double[] ratios = InitialRatios(p);
        int gridIndex = SearchGrid(p, options, ratios, out double ratio, out double gridObjective);
        if (gridIndex < 0)
        {
            return new FitResult
            {
                Status = FitStatus.Diverged,
                Message = $"the system could not be integrated over the {p.Count} fitted epochs at any of the {options.GridPoints} grid candidates.",
                FitSeconds = clock.Elapsed.TotalSeconds,
            };
        }

        double g = GridValue(options, gridIndex);
        double logEtaH = Math.Log(g * ratio), logEtaY = Math.Log(g);
        var refinement = Refine(p, options, ref logEtaH, ref logEtaY, out var normal);
        if (refinement.Status == FitStatus.Diverged)
        {
            // The sensitivity equations cannot be integrated at the grid's best rates (seen in the last layers of
            // deep networks, where h collapses in finite time nearby): refine without them.
            refinement = RefineWithoutSensitivities(p, options, ref logEtaH, ref logEtaY);
            if (refinement.Status != FitStatus.Diverged && !p.NormalEquations(logEtaH, logEtaY, options.Integrator, double.PositiveInfinity, out normal))
                normal = default; // no covariance: the standard errors come out infinite
        }
        if (refinement.Status == FitStatus.Diverged)
        {
            return new FitResult
            {
                Status = FitStatus.Diverged,
                Message = $"the best grid candidate (η_h = {F(g * ratio)}, η_y = {F(g)}, coarse S = {F(gridObjective)}) could not be integrated at full accuracy.",
                GridEtaH = g * ratio,
                GridEtaY = g,
                FitSeconds = clock.Elapsed.TotalSeconds,
            };
        }

        return Summarise(p, options, Math.Exp(logEtaH), Math.Exp(logEtaY), g, ratio, refinement, normal, clock);
    }

    /// <summary>The reference objective S (THEORY.md §2, unweighted) at given rates, integrated accurately.</summary>
    /// <param name="t">The measured trajectory.</param>
    /// <param name="dx2">‖x2 − x1‖².</param>
    /// <param name="dy2">‖y2* − y1*‖².</param>
    /// <param name="etaH">η_h.</param>
    /// <param name="etaY">η_y.</param>
    /// <param name="options">Window, dynamics and integrator; weighting is ignored. Null = defaults.</param>
    /// <returns>S, or +∞ when the system cannot be integrated; NaN for degenerate input.</returns>
    public static double Objective(Trajectory t, double dx2, double dy2, double etaH, double etaY, FitOptions? options = null)
    {
        options = (options ?? FitOptions.Default) with { Weighting = FitWeighting.Paper };
        if (!FitInput.TryPrepare(t, dx2, dy2, options, out var problem, out _)) return double.NaN;
        return problem!.Objective(etaH, etaY, options.Integrator, double.PositiveInfinity);
    }

    private static double GridValue(FitOptions options, int k)
    {
        if (options.GridPoints == 1) return options.GridMin;
        double logMin = Math.Log(options.GridMin), logMax = Math.Log(options.GridMax);
        return Math.Exp(logMin + (logMax - logMin) * k / (options.GridPoints - 1));
    }

    /// <summary>
    /// Rate ratios η_h/η_y whose grid lines are searched. First the reference's h_T²/(dx2·dy2), which
    /// assumes the rich fixed point h(∞) = A_low; then two estimates from the conserved
    /// C = h/dx2 − ρ·y/h, which also hold in the lazy regime where the reference's ratio is off by
    /// orders of magnitude: C equal at the first and last fitted epochs,
    /// ρ = (h_T − h_0)/dx2 / (y_T/h_T − y_0/h_0), and the least-squares slope of h/dx2 against y/h
    /// over all fitted epochs (robust to noise on single rows); and a line with nearly frozen h.
    /// Searching all lines keeps the
    /// reference's initialisation as a candidate, so the start is never worse than the reference's.
    /// </summary>
    private static double[] InitialRatios(FitProblem p)
    {
        double h0 = p.H[0], y0 = p.Y[0], hT = p.H[^1], yT = p.Y[^1];
        double reference = hT * hT / (p.Dx2 * p.Dy2);
        if (!(reference > 0) || !double.IsFinite(reference)) reference = 1.0; // dy2 = 0: every ratio gives A_low = 0.
        var ratios = new List<double>(4) { reference };
        Add((hT - h0) / p.Dx2 / (yT / hT - y0 / h0));

        double meanX = 0, meanZ = 0;
        int n = p.Count;
        for (int i = 0; i < n; i++)
        {
            meanX += p.Y[i] / p.H[i];
            meanZ += p.H[i] / p.Dx2;
        }

        meanX /= n;
        meanZ /= n;
        double sxz = 0, sxx = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = p.Y[i] / p.H[i] - meanX;
            sxz += dx * (p.H[i] / p.Dx2 - meanZ);
            sxx += dx * dx;
        }

        Add(sxz / sxx);

        // A near-frozen-h line two decades below every estimate: in the lazy regime with noise η_h is
        // barely identifiable and the estimates above can all be too large, while η_y still must be found.
        double smallest = double.PositiveInfinity;
        foreach (double ratio in ratios) smallest = Math.Min(smallest, ratio);
        Add(smallest * 1e-2);
        return [.. ratios];

        void Add(double ratio)
        {
            if (!(ratio > 0) || !double.IsFinite(ratio)) return;
            foreach (double existing in ratios)
            {
                if (Math.Abs(Math.Log(ratio / existing)) < 1e-3) return;
            }

            ratios.Add(ratio);
        }
    }

    private static int SearchGrid(FitProblem p, FitOptions options, double[] ratios, out double bestRatio, out double best)
    {
        int n = options.GridPoints;
        int stride = Math.Max(1, (int)Math.Round(Math.Sqrt(n)));
        var visited = new bool[ratios.Length, n];
        best = double.PositiveInfinity;
        bestRatio = ratios[0];
        int bestIndex = -1;
        int bestLine = 0;

        for (int line = 0; line < ratios.Length; line++)
        {
            for (int k = 0; k < n; k += stride) Visit(line, k, ref best, ref bestIndex, ref bestLine);
            Visit(line, n - 1, ref best, ref bestIndex, ref bestLine);
        }

        // Remaining points, nearest the current best first: the bound tightens before the far (expensive, stiff) ones.
        // Only the reference's line (its full grid is the reference initialisation) and the line that won the coarse pass.
        int centre = Math.Max(bestIndex, 0);
        int coarseWinner = bestLine;
        for (int line = 0; line < ratios.Length; line++)
        {
            if (line != 0 && line != coarseWinner) continue;
            for (int d = 1; d < n; d++)
            {
                if (centre - d >= 0) Visit(line, centre - d, ref best, ref bestIndex, ref bestLine);
                if (centre + d < n) Visit(line, centre + d, ref best, ref bestIndex, ref bestLine);
            }
        }

        bestRatio = ratios[bestLine];
        return bestIndex;

        void Visit(int line, int k, ref double bestValue, ref int index, ref int indexLine)
        {
            if (visited[line, k]) return;
            visited[line, k] = true;
            double g = GridValue(options, k);
            double value = p.Objective(g * ratios[line], g, options.GridIntegrator, bestValue);
            if (value < bestValue)
            {
                bestValue = value;
                index = k;
                indexLine = line;
            }
        }
    }

    private readonly record struct Refinement(FitStatus Status, int Iterations, string Reason, string Method = "Levenberg–Marquardt");

    /// <summary>
    /// Nelder–Mead on (ln η_h, ln η_y) with the accurate integrator; rates the system cannot be integrated at
    /// count as +∞, so the simplex stays where it can. Used only when the sensitivity equations fail.
    /// </summary>
    private static Refinement RefineWithoutSensitivities(FitProblem p, FitOptions options, ref double logEtaH, ref double logEtaY)
    {
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
            if (!double.IsFinite(fs[0])) return new Refinement(FitStatus.Diverged, iteration, "");
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
        if (!double.IsFinite(fs[best])) return new Refinement(FitStatus.Diverged, iteration, "");
        (logEtaH, logEtaY) = (xs[best], ys[best]);
        var status = iteration >= 20 * options.MaxIterations ? FitStatus.IterationLimit : FitStatus.Converged;
        return new Refinement(status, iteration,
            "the sensitivity equations could not be integrated at the grid's best rates, so no standard errors", "Nelder–Mead");

        double F(double a, double b) => p.Objective(Math.Exp(a), Math.Exp(b), options.Integrator, double.PositiveInfinity);
    }

    private static Refinement Refine(FitProblem p, FitOptions options, ref double logEtaH, ref double logEtaY, out NormalEquations current)
    {
        if (!p.NormalEquations(logEtaH, logEtaY, options.Integrator, double.PositiveInfinity, out current))
        {
            return new Refinement(FitStatus.Diverged, 0, "");
        }

        const double maxLogStep = 2.0;
        double lambda = 1e-3;
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            // (JᵀWJ + λ·diag(JᵀWJ)) δ = JᵀWr
            double d11 = current.A11 * (1 + lambda) + 1e-300, d22 = current.A22 * (1 + lambda) + 1e-300, d12 = current.A12;
            double det = d11 * d22 - d12 * d12;
            double step1 = (d22 * current.G1 - d12 * current.G2) / det;
            double step2 = (d11 * current.G2 - d12 * current.G1) / det;
            double size = Math.Max(Math.Abs(step1), Math.Abs(step2));
            if (!double.IsFinite(size)) return new Refinement(FitStatus.Converged, iteration - 1, "the normal equations are singular (rates not identifiable beyond this point)");
            if (size > maxLogStep)
            {
                step1 *= maxLogStep / size;
                step2 *= maxLogStep / size;
            }

            double predicted = step1 * current.G1 + step2 * current.G2;
            if (predicted <= options.Tolerance * current.Sum || size <= options.Tolerance)
            {
                return new Refinement(FitStatus.Converged, iteration - 1, "the predicted decrease of the objective is below the tolerance");
            }

            if (p.NormalEquations(logEtaH + step1, logEtaY + step2, options.Integrator, current.Sum, out var trial) && trial.Sum < current.Sum)
            {
                logEtaH += step1;
                logEtaY += step2;
                current = trial;
                lambda = Math.Max(lambda * 0.2, 1e-12);
            }
            else
            {
                lambda *= 10;
                if (lambda > 1e12) return new Refinement(FitStatus.Converged, iteration, "no step decreases the objective (minimum at the integration tolerance)");
            }
        }

        return new Refinement(FitStatus.IterationLimit, options.MaxIterations, $"stopped after {options.MaxIterations} iterations");
    }

    private static FitResult Summarise(
        FitProblem p, FitOptions options, double etaH, double etaY, double gridG, double ratioInit,
        Refinement refinement, NormalEquations normal, Stopwatch clock)
    {
        int n = p.Count;
        var system = p.System(etaH, etaY);
        var states = DormandPrinceIntegrator.Solve(system, [p.H[0], p.Y[0], p.W[0]], 0.0, p.Times, options.Integrator, out var outcome);
        var hFit = new double[n];
        var yFit = new double[n];
        var wFit = new double[n];
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            hFit[i] = states[3 * i];
            yFit[i] = states[3 * i + 1];
            wFit[i] = states[3 * i + 2];
            s += Square(p.H[i] - hFit[i]) + Square(p.Y[i] - yFit[i]) + Square(p.W[i] - wFit[i]);
        }

        // Gauss–Newton covariance of (ln η_h, ln η_y), scaled by the residual variance; delta method to η.
        double sigma2 = normal.Sum / Math.Max(1, 3 * n - 2);
        double det = normal.A11 * normal.A22 - normal.A12 * normal.A12;
        double seH = det > 0 ? etaH * Math.Sqrt(sigma2 * normal.A22 / det) : double.PositiveInfinity;
        double seY = det > 0 ? etaY * Math.Sqrt(sigma2 * normal.A11 / det) : double.PositiveInfinity;

        double rateRatio = etaH / etaY;
        var prediction = FinalDistance.Predict(etaH, etaY, p.Dx2, p.Dy2, p.H[0], p.Y[0]);
        double c0 = TwoPointSystem.ConservedQuantity(rateRatio, p.Dx2, p.H[0], p.Y[0]);
        double drift = 0, scale = 0;
        for (int i = 0; i < n; i++)
        {
            drift = Math.Max(drift, Math.Abs(TwoPointSystem.ConservedQuantity(rateRatio, p.Dx2, p.H[i], p.Y[i]) - c0));
            scale = Math.Max(scale, p.H[i] / p.Dx2);
        }

        bool hasLoss = p.Loss is not null && outcome == IntegrationOutcome.Completed;
        double etaYbar = double.NaN, lossS = double.NaN;
        double[] lossFit = [];
        if (hasLoss)
        {
            etaYbar = AnalyticLoss.FitEtaYbar(p.Times, p.Loss, p.Ybar0![0], wFit, yFit, p.Dy2, out lossS);
            lossFit = new double[n];
            for (int i = 0; i < n; i++) lossFit[i] = AnalyticLoss.Loss(p.Times[i], etaYbar, p.Ybar0[0], wFit[i], yFit[i], p.Dy2);
        }

        var status = outcome == IntegrationOutcome.Completed && double.IsFinite(s) ? refinement.Status : FitStatus.Diverged;
        string lossNote = hasLoss ? "" : options.FitLoss ? "; η_ybar not fitted (no loss/ybar0 columns)" : "; η_ybar not fitted (FitLoss = false)";
        string message = status == FitStatus.Diverged
            ? $"the fitted system could not be integrated over the window ({outcome})."
            : string.Create(CultureInfo.InvariantCulture,
                $"{status} after {refinement.Iterations} {refinement.Method} iterations from grid g = {gridG:G4} (ratio {ratioInit:G4}): {refinement.Reason}{lossNote}.");

        return new FitResult
        {
            Status = status,
            Message = message,
            EtaH = etaH,
            EtaY = etaY,
            EtaYbar = etaYbar,
            HasLossFit = hasLoss,
            StdErrEtaH = seH,
            StdErrEtaY = seY,
            S = s,
            WeightedS = options.Weighting == FitWeighting.Paper ? s : normal.Sum,
            LossS = lossS,
            R2H = RSquared(p.H, hFit),
            R2Y = RSquared(p.Y, yFit),
            R2W = RSquared(p.W, wFit),
            C = c0,
            CDrift = scale > 0 ? drift / scale : 0,
            ALow = prediction.ALow,
            AHigh = prediction.AHigh,
            HInfPred = prediction.HInfinity,
            HInfObs = p.H[^1],
            RichnessRatio = prediction.RichnessRatio,
            Regime = prediction.Regime,
            Iterations = refinement.Iterations,
            GridEtaH = gridG * ratioInit,
            GridEtaY = gridG,
            Epoch = p.Epoch,
            HFit = hFit,
            YFit = yFit,
            WFit = wFit,
            LossFit = lossFit,
            FitSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static double RSquared(ReadOnlySpan<double> data, ReadOnlySpan<double> fit)
    {
        double variance = FitInput.Variance(data) * data.Length;
        double residual = 0;
        for (int i = 0; i < data.Length; i++) residual += Square(data[i] - fit[i]);
        return variance > 0 ? 1.0 - residual / variance : residual == 0 ? 1.0 : double.NegativeInfinity;
    }

    private static void ValidateOptions(FitOptions o)
    {
        if (o.GridPoints < 1) TheoryThrow.Argument(nameof(o.GridPoints), $"GridPoints is {o.GridPoints}; expected ≥ 1.");
        if (!(o.GridMin > 0) || !(o.GridMax >= o.GridMin) || !double.IsFinite(o.GridMax))
        {
            TheoryThrow.Argument(nameof(o.GridMin), $"grid [{F(o.GridMin)}, {F(o.GridMax)}]; expected 0 < GridMin ≤ GridMax < ∞.");
        }

        if (o.MaxIterations < 0) TheoryThrow.Argument(nameof(o.MaxIterations), $"MaxIterations is {o.MaxIterations}; expected ≥ 0.");
        if (!(o.Tolerance >= 0)) TheoryThrow.Argument(nameof(o.Tolerance), $"Tolerance is {F(o.Tolerance)}; expected ≥ 0.");
    }

    private static double Square(double x) => x * x;

    private static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

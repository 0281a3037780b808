using RepAlign.Core;
using System.Diagnostics;
using System.Globalization;

namespace RepAlign.Theory;

/// <summary>
/// Fits the effective learning rates (η_h, η_y) of the two-point system to a measured trajectory
/// (docs/theory.md §2), then η_ybar to the loss curve. Same objective and initialisation as the reference
/// (log grid g, candidates g·(ratio, 1) with ratio = h_T²/(dx2·dy2), plus a second line from the
/// conserved C for the lazy regime); the reference's Radau + BFGS
/// refinement is replaced by Levenberg–Marquardt on (ln η_h, ln η_y).
/// One file per step: <see cref="GridSearcher"/> (the grid), <see cref="LevenbergMarquardt"/>,
/// <see cref="NelderMead"/> (fallback) and <see cref="FitSummary"/> (curves, S, R², C, predictions).
/// </summary>
/// <remarks>
/// <para>Grid: each candidate is integrated with loose tolerances and abandoned as soon as its
/// partial objective exceeds the best so far. Candidates are visited coarse-to-fine: every k-th
/// point of every ratio line first, then (<see cref="GridSearch.CoarseToFine"/>, the default) a local
/// descent along the winning line, or (<see cref="GridSearch.Exhaustive"/>, the slow reference) every
/// remaining point of two lines, nearest the current best first.</para>
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
            return new FitResult
            {
                Status = FitStatus.DegenerateInput, Message = message, IntervalNote = "the fit did not give rates (DegenerateInput)",
                Initial = options.Initial, FitSeconds = clock.Elapsed.TotalSeconds,
            };
        }

        var result = FitPrepared(problem!, options, clock);
        return options.Alternatives ? AlternativeFits.Compare(t, dx2, dy2, options, result) : result;
    }

    private static FitResult FitPrepared(FitProblem p, FitOptions options, Stopwatch clock)
    {
        var grid = GridSearcher.Search(p, options);
        double gridSeconds = clock.Elapsed.TotalSeconds;
        if (grid.Index < 0)
        {
            return new FitResult
            {
                Status = FitStatus.Diverged,
                Message = $"the system could not be integrated over the {p.Count} fitted epochs at any of the {options.GridPoints} grid candidates.",
                IntervalNote = "the fit did not give rates (Diverged)",
                Initial = options.Initial,
                GridEvaluations = grid.Evaluations,
                GridSeconds = gridSeconds,
                FitSeconds = clock.Elapsed.TotalSeconds,
            };
        }

        double g = GridSearcher.Value(options, grid.Index), ratio = grid.Ratio;
        Span<double> rates = [Math.Log(g * ratio), Math.Log(g)];
        var budgeted = WithRefineStepBudget(p, options);
        int stopsBefore = p.StepLimitStops;
        var refinement = LevenbergMarquardt.Refine(p, budgeted, rates, out var normal);
        bool curvature = true;
        if (refinement.Status == FitStatus.Diverged)
        {
            // The sensitivity equations cannot be integrated at the grid's best rates (seen in the last layers of
            // deep networks, where h collapses in finite time nearby): refine without them.
            int failed = refinement.Evaluations;
            refinement = NelderMead.Refine(p, budgeted, ref rates[0], ref rates[1]);
            refinement = refinement with { Evaluations = refinement.Evaluations + failed };
            if (refinement.Status != FitStatus.Diverged && !p.NormalEquations(rates, budgeted.Integrator, double.PositiveInfinity, out normal))
                curvature = false; // no covariance: the standard errors come out infinite and the intervals NaN
        }
        if (refinement.Status == FitStatus.Diverged)
        {
            return new FitResult
            {
                Status = FitStatus.Diverged,
                Message = $"the best grid candidate (η_h = {F(g * ratio)}, η_y = {F(g)}, coarse S = {F(grid.Objective)}) could not be integrated at full accuracy{BudgetNote(p.StepLimitStops - stopsBefore, budgeted)}.",
                IntervalNote = "the fit did not give rates (Diverged)",
                Initial = options.Initial,
                GridEtaH = g * ratio,
                GridEtaY = g,
                GridEvaluations = grid.Evaluations,
                RefinementEvaluations = refinement.Evaluations,
                FitSeconds = clock.Elapsed.TotalSeconds,
            };
        }

        var start = p.MeasuredStart;
        string? initialFailure = null;
        if (options.Initial == InitialState.Fitted)
        {
            // From the rates' optimum at the measured start, all five parameters together: the start moves off the
            // noisy first sample to where the whole trajectory puts it, and the rates with it.
            Span<double> all = [rates[0], rates[1], Math.Log(start.H), start.Y, start.W];
            var joint = LevenbergMarquardt.Refine(p, budgeted, all, out var jointNormal);
            if (joint.Status == FitStatus.Diverged)
            {
                initialFailure = "the initial state could not be fitted (its sensitivity equations failed at the rates' optimum); the rates integrate from the measured first sample";
            }
            else
            {
                all[..2].CopyTo(rates);
                start = p.StartOf(all);
                normal = jointNormal;
                curvature = true;
                refinement = joint with
                {
                    Iterations = refinement.Iterations + joint.Iterations,
                    Evaluations = refinement.Evaluations + joint.Evaluations,
                    Method = refinement.Method + " (rates, then rates with the initial state)",
                };
            }
        }

        var fit = new FitState(Math.Exp(rates[0]), Math.Exp(rates[1]), start, refinement, normal, curvature, initialFailure,
            BudgetNote(p.StepLimitStops - stopsBefore, budgeted));
        return FitSummary.Summarise(p, options, fit, g, ratio, grid.Evaluations, clock) with { GridSeconds = gridSeconds };
    }

    /// <summary>The reference objective S (docs/theory.md §2, unweighted) at given rates, integrated accurately.</summary>
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

    /// <summary>The reference objective S at given rates, integrated from a given start (h₀, y₀, w₀) instead of the first sample.</summary>
    /// <param name="t">The measured trajectory.</param>
    /// <param name="dx2">‖x2 − x1‖².</param>
    /// <param name="dy2">‖y2* − y1*‖².</param>
    /// <param name="etaH">η_h.</param>
    /// <param name="etaY">η_y.</param>
    /// <param name="h0">h at the window's first epoch.</param>
    /// <param name="y0">y at the window's first epoch.</param>
    /// <param name="w0">w at the window's first epoch.</param>
    /// <param name="options">Window, dynamics and integrator; weighting is ignored. Null = defaults.</param>
    /// <returns>S, or +∞ when the system cannot be integrated; NaN for degenerate input.</returns>
    public static double ObjectiveFrom(Trajectory t, double dx2, double dy2, double etaH, double etaY, double h0, double y0, double w0, FitOptions? options = null)
    {
        options = (options ?? FitOptions.Default) with { Weighting = FitWeighting.Paper };
        if (!FitInput.TryPrepare(t, dx2, dy2, options, out var problem, out _)) return double.NaN;
        return problem!.Objective(etaH, etaY, new StartState(h0, y0, w0), options.Integrator, double.PositiveInfinity);
    }

    // The refinement integrates with a step budget per epoch of the window (FitOptions.RefineStepsPerEpoch).
    private static FitOptions WithRefineStepBudget(FitProblem p, FitOptions options) =>
        options with { Integrator = options.Integrator.WithStepBudget(options.RefineStepsPerEpoch, p.Times[^1] - p.Times[0], atLeast: 1000) };

    // What the fit's message says when refinement trials ran out of steps: the objective may go on falling where the
    // explicit integrator cannot follow (stiff rates), so the optimum found is the best within the budget.
    private static string BudgetNote(int stops, FitOptions budgeted) => stops == 0 ? "" : string.Create(CultureInfo.InvariantCulture,
        $"; {stops} refinement trial(s) stopped at the step limit of {budgeted.Integrator.MaxSteps} integration steps, where the rates make the system too stiff for the explicit integrator (the optimum may lie beyond{(budgeted.RefineStepsPerEpoch is null ? "" : "; fit.refine_steps_per_epoch raises the limit")})");

    private static void ValidateOptions(FitOptions o)
    {
        if (o.GridPoints < 1) Throw.Argument(nameof(o.GridPoints), $"GridPoints is {o.GridPoints}; expected ≥ 1.");
        if (!(o.GridMin > 0) || !(o.GridMax >= o.GridMin) || !double.IsFinite(o.GridMax))
        {
            Throw.Argument(nameof(o.GridMin), $"grid [{F(o.GridMin)}, {F(o.GridMax)}]; expected 0 < GridMin ≤ GridMax < ∞.");
        }

        if (o.GridStepsPerEpoch is { } perEpoch && !(perEpoch > 0)) Throw.Argument(nameof(o.GridStepsPerEpoch), $"GridStepsPerEpoch is {F(perEpoch)}; expected > 0 or null.");
        if (o.RefineStepsPerEpoch is { } refine && !(refine > 0)) Throw.Argument(nameof(o.RefineStepsPerEpoch), $"RefineStepsPerEpoch is {F(refine)}; expected > 0 or null.");
        if (o.MaxIterations < 0) Throw.Argument(nameof(o.MaxIterations), $"MaxIterations is {o.MaxIterations}; expected ≥ 0.");
        if (!(o.Tolerance >= 0)) Throw.Argument(nameof(o.Tolerance), $"Tolerance is {F(o.Tolerance)}; expected ≥ 0.");
    }

    private static string F(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

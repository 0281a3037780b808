namespace RepAlign.Theory;

/// <summary>Options of <see cref="TwoPointFit.Fit"/>; change with <c>with</c>.</summary>
public sealed record FitOptions
{
    /// <summary>Number of points of the initial log grid g (the reference uses 100).</summary>
    public int GridPoints { get; init; } = 100;

    /// <summary>How the grid is searched: <see cref="GridSearch.CoarseToFine"/> (fast) or <see cref="GridSearch.Exhaustive"/> (the slow reference).</summary>
    public GridSearch Search { get; init; } = GridSearch.CoarseToFine;

    /// <summary>Smallest grid value g; candidates are (η_h, η_y) = g·(ratio, 1).</summary>
    public double GridMin { get; init; } = 1e-6;

    /// <summary>Largest grid value g.</summary>
    public double GridMax { get; init; } = 1e2;

    /// <summary>Residual weighting of the minimised objective; the reported S is always the paper's unweighted one.</summary>
    public FitWeighting Weighting { get; init; } = FitWeighting.Paper;

    /// <summary>First epoch of the fit window (inclusive); null = the first recorded epoch.</summary>
    public double? WindowStart { get; init; }

    /// <summary>Last epoch of the fit window (inclusive); null = the last recorded epoch.</summary>
    public double? WindowEnd { get; init; }

    /// <summary>Which right-hand side to fit (the true system or one of the altered controls).</summary>
    public DynamicsVariant Dynamics { get; init; } = DynamicsVariant.True;

    /// <summary>
    /// Where the fitted system starts: <see cref="InitialState.Measured"/> (the paper's procedure: the window's first
    /// sample, two parameters) or <see cref="InitialState.Fitted"/> (h₀ &gt; 0, y₀, w₀ estimated with the rates, five
    /// parameters, intervals from the full covariance; for trajectories whose first sample is noisy).
    /// </summary>
    public InitialState Initial { get; init; } = InitialState.Measured;

    /// <summary>
    /// Also fit every other <see cref="DynamicsVariant"/> (for the true system: the four altered ones) with the same
    /// options and report the best rival and its S relative to this fit's (<see cref="FitResult.BestAlternative"/>,
    /// <see cref="FitResult.SRatioAlternative"/>). Five fits instead of one.
    /// </summary>
    public bool Alternatives { get; init; }

    /// <summary>Iteration limit of the Levenberg–Marquardt refinement.</summary>
    public int MaxIterations { get; init; } = 100;

    /// <summary>Convergence threshold: relative decrease of the objective in an accepted step, and the log-rate step size.</summary>
    public double Tolerance { get; init; } = 1e-9;

    /// <summary>Fit η_ybar to the loss curve afterwards (needs <see cref="Trajectory.Loss"/> and <see cref="Trajectory.Ybar0"/>).</summary>
    public bool FitLoss { get; init; } = true;

    /// <summary>Integrator settings of the refinement and of the reported curves.</summary>
    public AdaptiveOptions Integrator { get; init; } = AdaptiveOptions.Accurate;

    /// <summary>Integrator settings of the grid screening (ranking only, so looser).</summary>
    public AdaptiveOptions GridIntegrator { get; init; } = AdaptiveOptions.Coarse;

    /// <summary>
    /// Step budget of one grid candidate per epoch of the fit window (at least 100 steps, at most
    /// <see cref="GridIntegrator"/>'s MaxSteps); null = only that MaxSteps. Candidates with very large rates make the
    /// system stiff, and the explicit integrator would spend thousands of tiny steps on them before their partial
    /// objective exceeds the best; near the optimum a candidate needs well under one step per epoch. The fast default
    /// 2.5 gives up on such candidates early; they count as not integrable, which they never win anyway.
    /// </summary>
    public double? GridStepsPerEpoch { get; init; } = 2.5;

    /// <summary>
    /// Step budget per epoch of the fit window (at least 1000 steps, at most <see cref="Integrator"/>'s MaxSteps) of each
    /// integration while the fit is refined: the rates (Levenberg–Marquardt, or Nelder–Mead when the sensitivities fail)
    /// and, with <see cref="InitialState.Fitted"/>, the rates with the initial state. Null = only that MaxSteps. Very
    /// large rates, or a trial start near h = 0 (the 1/h terms), make the system stiff, and the explicit integrator would
    /// spend up to MaxSteps on every such trial (seen: 30 s for one fit of a last-layer MNIST pair with a fitted start,
    /// 3 s for an Adam-trained pair whose objective keeps falling towards η_h ≈ 10³ per epoch). Over budget, a trial
    /// counts as failed and the refinement takes a smaller step; the fit's message then says how many trials stopped
    /// there. A smooth fit needs well under one step per epoch. The curves reported at the end are integrated without it.
    /// </summary>
    public double? RefineStepsPerEpoch { get; init; } = 20;

    /// <summary>Default options: the fast grid search (<see cref="GridSearch.CoarseToFine"/>, step budget per epoch).</summary>
    public static FitOptions Default { get; } = new();

    /// <summary>
    /// The slow reference algorithm, as RepAlign fitted before the fast grid search: <see cref="GridSearch.Exhaustive"/>
    /// and no per-epoch step budget. Kept to check the fast path against (a golden table) and as the benchmarks' baseline.
    /// </summary>
    public static FitOptions Reference { get; } = new() { Search = GridSearch.Exhaustive, GridStepsPerEpoch = null };
}

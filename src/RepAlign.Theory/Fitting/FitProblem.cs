namespace RepAlign.Theory;

/// <summary>
/// A validated fit window: times since its first epoch, the measured (h, y, w), the residual
/// weights, and the two objective evaluations the fit needs (plain, and with the Gauss–Newton
/// normal equations from forward sensitivities). Holds no per-call buffers: the integrators keep
/// their work on the stack and the observers accumulate in place. One fit uses it at a time (it counts the
/// integrations that ran out of steps, <see cref="StepLimitStops"/>).
/// </summary>
internal sealed class FitProblem
{
    public required double[] Epoch { get; init; }
    public required double[] Times { get; init; }
    public required double[] H { get; init; }
    public required double[] Y { get; init; }
    public required double[] W { get; init; }
    public double[]? Loss { get; init; }
    public double[]? Ybar0 { get; init; }
    public required double WeightH { get; init; }
    public required double WeightY { get; init; }
    public required double WeightW { get; init; }
    public required double Dx2 { get; init; }
    public required double Dy2 { get; init; }
    public required DynamicsVariant Variant { get; init; }

    public int Count => Times.Length;

    /// <summary>How many integrations so far stopped at their step limit (<see cref="IntegrationOutcome.MaxStepsExceeded"/>).</summary>
    public int StepLimitStops { get; private set; }

    public TwoPointSystem System(double etaH, double etaY) => new(etaH, etaY, Dx2, Dy2, Variant);

    /// <summary>The first measured sample of the window: where the paper's procedure starts the integration.</summary>
    public StartState MeasuredStart => new(H[0], Y[0], W[0]);

    /// <summary>The weighted objective at (η_h, η_y) from the measured start; +∞ if the integration fails or passes <paramref name="abortAbove"/>.</summary>
    public double Objective(double etaH, double etaY, AdaptiveOptions options, double abortAbove) =>
        Objective(etaH, etaY, MeasuredStart, options, abortAbove);

    /// <summary>The weighted objective at (η_h, η_y) integrated from <paramref name="start"/>.</summary>
    public double Objective(double etaH, double etaY, StartState start, AdaptiveOptions options, double abortAbove)
    {
        var system = System(etaH, etaY);
        var observer = new ResidualObserver(this, abortAbove);
        ReadOnlySpan<double> x0 = [start.H, start.Y, start.W];
        var outcome = Counted(DormandPrinceIntegrator.Integrate(system, x0, 0.0, Times, options, ref observer, out _));
        return outcome == IntegrationOutcome.Completed ? observer.Sum : double.PositiveInfinity;
    }

    /// <summary>
    /// The weighted objective and its Gauss–Newton normal equations in the parameters θ, from one integration of the
    /// sensitivity system: θ = (ln η_h, ln η_y) from the measured start, or θ = (ln η_h, ln η_y, ln h₀, y₀, w₀).
    /// False if the integration fails or the partial objective passes <paramref name="abortAbove"/>.
    /// </summary>
    public bool NormalEquations(ReadOnlySpan<double> theta, AdaptiveOptions options, double abortAbove, out NormalEquations result)
    {
        var start = StartOf(theta);
        var system = new TwoPointSensitivitySystem(System(Math.Exp(theta[0]), Math.Exp(theta[1])), theta.Length);
        var observer = new SensitivityObserver(this, abortAbove, theta.Length);
        Span<double> x0 = stackalloc double[system.Dimension];
        system.InitialSensitivities(start.H, start.Y, start.W, x0);
        var outcome = Counted(DormandPrinceIntegrator.Integrate(system, x0, 0.0, Times, options, ref observer, out _));
        result = observer.Result;
        return outcome == IntegrationOutcome.Completed && double.IsFinite(result.Sum);
    }

    private IntegrationOutcome Counted(IntegrationOutcome outcome)
    {
        if (outcome == IntegrationOutcome.MaxStepsExceeded) StepLimitStops++;
        return outcome;
    }

    /// <summary>The start state θ describes: the measured one for two parameters, (exp θ₂, θ₃, θ₄) for five.</summary>
    public StartState StartOf(ReadOnlySpan<double> theta) =>
        theta.Length == TwoPointSensitivitySystem.AllParameters ? new StartState(Math.Exp(theta[2]), theta[3], theta[4]) : MeasuredStart;

    private struct ResidualObserver(FitProblem problem, double abortAbove) : IDenseObserver
    {
        public double Sum;

        public bool Observe(int index, double t, ReadOnlySpan<double> x)
        {
            double rh = problem.H[index] - x[0];
            double ry = problem.Y[index] - x[1];
            double rw = problem.W[index] - x[2];
            Sum += problem.WeightH * rh * rh + problem.WeightY * ry * ry + problem.WeightW * rw * rw;
            return Sum <= abortAbove;
        }
    }

    private struct SensitivityObserver(FitProblem problem, double abortAbove, int parameters) : IDenseObserver
    {
        public NormalEquations Result = new() { Count = parameters };

        public bool Observe(int index, double t, ReadOnlySpan<double> x)
        {
            Result.Accumulate(problem.WeightH, problem.H[index] - x[0], x[3..]);
            Result.Accumulate(problem.WeightY, problem.Y[index] - x[1], x[4..]);
            Result.Accumulate(problem.WeightW, problem.W[index] - x[2], x[5..]);
            return Result.Sum <= abortAbove;
        }
    }
}

/// <summary>The state (h, y, w) the fitted system is integrated from, at the first epoch of the window.</summary>
/// <param name="H">h₀.</param>
/// <param name="Y">y₀.</param>
/// <param name="W">w₀.</param>
internal readonly record struct StartState(double H, double Y, double W);

namespace RepAlign.Theory;

/// <summary>
/// A validated fit window: times since its first epoch, the measured (h, y, w), the residual
/// weights, and the two objective evaluations the fit needs (plain, and with the Gauss–Newton
/// normal equations from forward sensitivities). Holds no per-call buffers: the integrators keep
/// their work on the stack and the observers accumulate in place.
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

    public TwoPointSystem System(double etaH, double etaY) => new(etaH, etaY, Dx2, Dy2, Variant);

    /// <summary>The weighted objective at (η_h, η_y); +∞ if the integration fails or passes <paramref name="abortAbove"/>.</summary>
    public double Objective(double etaH, double etaY, AdaptiveOptions options, double abortAbove)
    {
        var system = System(etaH, etaY);
        var observer = new ResidualObserver(this, abortAbove);
        ReadOnlySpan<double> x0 = [H[0], Y[0], W[0]];
        var outcome = DormandPrinceIntegrator.Integrate(system, x0, 0.0, Times, options, ref observer, out _);
        return outcome == IntegrationOutcome.Completed ? observer.Sum : double.PositiveInfinity;
    }

    /// <summary>
    /// The weighted objective and its Gauss–Newton normal equations in (ln η_h, ln η_y), from one
    /// integration of the 9-variable sensitivity system. False if the integration fails or the
    /// partial objective passes <paramref name="abortAbove"/>.
    /// </summary>
    public bool NormalEquations(double logEtaH, double logEtaY, AdaptiveOptions options, double abortAbove, out NormalEquations result)
    {
        var system = new TwoPointSensitivitySystem(System(Math.Exp(logEtaH), Math.Exp(logEtaY)));
        var observer = new SensitivityObserver(this, abortAbove);
        ReadOnlySpan<double> x0 = [H[0], Y[0], W[0], 0, 0, 0, 0, 0, 0];
        var outcome = DormandPrinceIntegrator.Integrate(system, x0, 0.0, Times, options, ref observer, out _);
        result = observer.Result;
        return outcome == IntegrationOutcome.Completed && double.IsFinite(result.Sum);
    }

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

    private struct SensitivityObserver(FitProblem problem, double abortAbove) : IDenseObserver
    {
        public NormalEquations Result;

        public bool Observe(int index, double t, ReadOnlySpan<double> x)
        {
            Accumulate(problem.WeightH, problem.H[index] - x[0], x[3], x[6]);
            Accumulate(problem.WeightY, problem.Y[index] - x[1], x[4], x[7]);
            Accumulate(problem.WeightW, problem.W[index] - x[2], x[5], x[8]);
            return Result.Sum <= abortAbove;
        }

        private void Accumulate(double weight, double residual, double sa, double sb)
        {
            Result.Sum += weight * residual * residual;
            Result.A11 += weight * sa * sa;
            Result.A12 += weight * sa * sb;
            Result.A22 += weight * sb * sb;
            Result.G1 += weight * residual * sa;
            Result.G2 += weight * residual * sb;
        }
    }
}

/// <summary>Σ w r², JᵀWJ (symmetric 2×2) and JᵀWr in (ln η_h, ln η_y), with J = ∂model/∂ln η.</summary>
internal struct NormalEquations
{
    public double Sum;
    public double A11;
    public double A12;
    public double A22;
    public double G1;
    public double G2;
}

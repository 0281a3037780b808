namespace RepAlign.Theory;

/// <summary>How a refinement ended: status, iterations (trial steps), the reason in words and the method's name.</summary>
internal readonly record struct Refinement(FitStatus Status, int Iterations, string Reason, int Evaluations, string Method = "Levenberg–Marquardt");

/// <summary>
/// Levenberg–Marquardt on (ln η_h, ln η_y) from the grid's best candidate, with the Gauss–Newton normal
/// equations accumulated from forward sensitivities while integrating (<see cref="FitProblem.NormalEquations"/>).
/// </summary>
internal static class LevenbergMarquardt
{
    /// <summary>Refines (<paramref name="logEtaH"/>, <paramref name="logEtaY"/>) in place; <paramref name="current"/> holds the normal equations at the result.</summary>
    public static Refinement Refine(FitProblem p, FitOptions options, ref double logEtaH, ref double logEtaY, out NormalEquations current)
    {
        int evaluations = 1;
        if (!p.NormalEquations(logEtaH, logEtaY, options.Integrator, double.PositiveInfinity, out current))
        {
            return new Refinement(FitStatus.Diverged, 0, "", evaluations);
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
            if (!double.IsFinite(size)) return new Refinement(FitStatus.Converged, iteration - 1, "the normal equations are singular (rates not identifiable beyond this point)", evaluations);
            if (size > maxLogStep)
            {
                step1 *= maxLogStep / size;
                step2 *= maxLogStep / size;
            }

            double predicted = step1 * current.G1 + step2 * current.G2;
            if (predicted <= options.Tolerance * current.Sum || size <= options.Tolerance)
            {
                return new Refinement(FitStatus.Converged, iteration - 1, "the predicted decrease of the objective is below the tolerance", evaluations);
            }

            evaluations++;
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
                if (lambda > 1e12) return new Refinement(FitStatus.Converged, iteration, "no step decreases the objective (minimum at the integration tolerance)", evaluations);
            }
        }

        return new Refinement(FitStatus.IterationLimit, options.MaxIterations, $"stopped after {options.MaxIterations} iterations", evaluations);
    }
}

namespace RepAlign.Theory;

/// <summary>How a refinement ended: status, iterations (trial steps), the reason in words and the method's name.</summary>
internal readonly record struct Refinement(FitStatus Status, int Iterations, string Reason, int Evaluations, string Method = "Levenberg–Marquardt");

/// <summary>
/// Levenberg–Marquardt on the fit parameters θ, (ln η_h, ln η_y) or (ln η_h, ln η_y, ln h₀, y₀, w₀), with the
/// Gauss–Newton normal equations accumulated from forward sensitivities while integrating
/// (<see cref="FitProblem.NormalEquations"/>). Marquardt's diagonal scaling makes the step independent of the
/// parameters' units.
/// </summary>
internal static class LevenbergMarquardt
{
    /// <summary>Largest step of a logarithmic parameter (ln η_h, ln η_y, ln h₀) in one iteration: a factor e² at most.</summary>
    private const double MaxLogStep = 2.0;

    /// <summary>Refines <paramref name="theta"/> in place; <paramref name="current"/> holds the normal equations at the result.</summary>
    public static Refinement Refine(FitProblem p, FitOptions options, Span<double> theta, out NormalEquations current)
    {
        int k = theta.Length;
        int logs = Math.Min(k, 3); // ln η_h, ln η_y and (five parameters) ln h₀; y₀ and w₀ are linear
        int evaluations = 1;
        if (!p.NormalEquations(theta, options.Integrator, double.PositiveInfinity, out current))
        {
            return new Refinement(FitStatus.Diverged, 0, "", evaluations);
        }

        double lambda = 1e-3;
        Span<double> step = stackalloc double[k];
        Span<double> trialTheta = stackalloc double[k];
        for (int iteration = 1; iteration <= options.MaxIterations; iteration++)
        {
            // (JᵀWJ + λ·diag(JᵀWJ)) δ = JᵀWr
            bool solved = SmallSymmetric.SolveDamped(current, lambda, 1e-300, step);
            double logSize = 0, size = 0;
            for (int i = 0; i < k; i++)
            {
                size = Math.Max(size, Math.Abs(step[i]));
                if (i < logs) logSize = Math.Max(logSize, Math.Abs(step[i]));
            }

            if (!solved || !double.IsFinite(size)) return new Refinement(FitStatus.Converged, iteration - 1, "the normal equations are singular (parameters not identifiable beyond this point)", evaluations);
            if (logSize > MaxLogStep)
            {
                for (int i = 0; i < k; i++) step[i] *= MaxLogStep / logSize;
                size *= MaxLogStep / logSize;
            }

            double predicted = 0;
            for (int i = 0; i < k; i++) predicted += step[i] * current.G[i];
            if (predicted <= options.Tolerance * current.Sum || size <= options.Tolerance)
            {
                return new Refinement(FitStatus.Converged, iteration - 1, "the predicted decrease of the objective is below the tolerance", evaluations);
            }

            evaluations++;
            for (int i = 0; i < k; i++) trialTheta[i] = theta[i] + step[i];
            if (p.NormalEquations(trialTheta, options.Integrator, current.Sum, out var trial) && trial.Sum < current.Sum)
            {
                trialTheta.CopyTo(theta);
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

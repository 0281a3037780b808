namespace RepAlign.Theory;

/// <summary>How a fit ended.</summary>
public enum FitStatus
{
    /// <summary>The refinement met its tolerance.</summary>
    Converged,

    /// <summary>The refinement stopped at <see cref="FitOptions.MaxIterations"/>; the rates are the best found.</summary>
    IterationLimit,

    /// <summary>The input cannot be fitted (see <see cref="FitResult.Message"/>); no rates were estimated.</summary>
    DegenerateInput,

    /// <summary>The system could not be integrated at any candidate, or the objective is not finite.</summary>
    Diverged,
}

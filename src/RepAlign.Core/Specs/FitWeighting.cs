namespace RepAlign.Core.Specs;

/// <summary>How the three residuals are weighted in the objective the fit minimises.</summary>
public enum FitWeighting
{
    /// <summary>The paper's unweighted sum Σ (Δh)² + (Δy)² + (Δw)².</summary>
    Paper,

    /// <summary>Each variable's squared residuals divided by that variable's variance over the fit window.</summary>
    Normalized,
}

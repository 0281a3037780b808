namespace RepAlign.Core.Specs;

/// <summary>Where the fitted system starts: the first measured sample, or a state estimated jointly with the rates.</summary>
public enum InitialState
{
    /// <summary>
    /// The paper's procedure: integrate from the first measured (h, y, w) of the window and fit the two rates only.
    /// Right when the first sample is exact (RepAlign's own checkpoints and online tracking).
    /// </summary>
    Measured,

    /// <summary>
    /// Estimate (h₀ &gt; 0, y₀, w₀) together with the rates (five parameters) and take the intervals from the full
    /// covariance. Right when every sample is noisy, the first one too.
    /// </summary>
    Fitted,
}

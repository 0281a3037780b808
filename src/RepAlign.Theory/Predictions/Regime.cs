namespace RepAlign.Theory;

/// <summary>
/// Learning regime from the ratio A_low/|A_high| (docs/theory.md §1): above
/// <see cref="FinalDistance.RichThreshold"/> rich, below <see cref="FinalDistance.LazyThreshold"/>
/// lazy, otherwise intermediate.
/// </summary>
public enum Regime
{
    /// <summary>A_low/|A_high| &gt; 10: the final structure is set by the data, h(∞) ≈ A_low.</summary>
    Rich,

    /// <summary>0.1 ≤ A_low/|A_high| ≤ 10.</summary>
    Intermediate,

    /// <summary>A_low/|A_high| &lt; 0.1: the final structure is set by the initialisation, h(∞) ≈ h(0).</summary>
    Lazy,

    /// <summary>No rates were estimated (degenerate input).</summary>
    Undetermined,
}

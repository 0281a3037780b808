namespace RepAlign.Theory;

/// <summary>Tolerances and limits of the adaptive <see cref="DormandPrinceIntegrator"/>.</summary>
public sealed record AdaptiveOptions
{
    /// <summary>Relative tolerance per component.</summary>
    public double RelativeTolerance { get; init; } = 1e-8;

    /// <summary>Absolute tolerance per component.</summary>
    public double AbsoluteTolerance { get; init; } = 1e-12;

    /// <summary>Largest step (epochs); keeps the dense output close to the step's own accuracy on long smooth stretches.</summary>
    public double MaxStep { get; init; } = 25.0;

    /// <summary>Smallest step before the integration gives up with <see cref="IntegrationOutcome.StepSizeUnderflow"/>.</summary>
    public double MinStep { get; init; } = 1e-10;

    /// <summary>Step budget (accepted and rejected) before <see cref="IntegrationOutcome.MaxStepsExceeded"/>.</summary>
    public int MaxSteps { get; init; } = 200_000;

    /// <summary>
    /// These options with the step budget of a window <paramref name="span"/> epochs long: <paramref name="stepsPerEpoch"/>
    /// per epoch, at least <paramref name="atLeast"/> steps, at most <see cref="MaxSteps"/>; unchanged for a null budget.
    /// </summary>
    public AdaptiveOptions WithStepBudget(double? stepsPerEpoch, double span, int atLeast)
    {
        if (stepsPerEpoch is not { } perEpoch) return this;
        int budget = (int)Math.Min(MaxSteps, Math.Max(atLeast, Math.Ceiling(perEpoch * span)));
        return budget < MaxSteps ? this with { MaxSteps = budget } : this;
    }

    /// <summary>Tight defaults for final fits and comparisons.</summary>
    public static AdaptiveOptions Accurate { get; } = new();

    /// <summary>Loose tolerances for screening grid candidates, where only the ranking matters.</summary>
    public static AdaptiveOptions Coarse { get; } = new() { RelativeTolerance = 1e-5, AbsoluteTolerance = 1e-9, MaxStep = 50.0, MaxSteps = 20_000 };
}

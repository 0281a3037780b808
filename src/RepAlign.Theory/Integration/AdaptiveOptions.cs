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

    /// <summary>Tight defaults for final fits and comparisons.</summary>
    public static AdaptiveOptions Accurate { get; } = new();

    /// <summary>Loose tolerances for screening grid candidates, where only the ranking matters.</summary>
    public static AdaptiveOptions Coarse { get; } = new() { RelativeTolerance = 1e-5, AbsoluteTolerance = 1e-9, MaxStep = 50.0, MaxSteps = 20_000 };
}

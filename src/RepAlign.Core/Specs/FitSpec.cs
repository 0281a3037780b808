namespace RepAlign.Core.Specs;

/// <summary>How the theory is fitted to each trajectory (docs/theory.md §2).</summary>
public sealed record FitSpec
{
    /// <summary>Points of the log grid that initialises (η_h, η_y).</summary>
    public int GridPoints { get; init; } = 100;

    /// <summary>Weighting of h, y, w in the objective: paper (unweighted sum) or normalized (each variable scaled).</summary>
    public FitWeighting Weighting { get; init; } = FitWeighting.Paper;

    /// <summary>First epoch of the fitted window (inclusive); null = the first recorded epoch.</summary>
    public int? WindowStart { get; init; }

    /// <summary>Last epoch of the fitted window (inclusive); null = the last recorded epoch.</summary>
    public int? WindowEnd { get; init; }

    /// <summary>The dynamics fitted: the true system or one of the alternative systems of docs/theory.md §3 item 6.</summary>
    public DynamicsVariant Dynamics { get; init; } = DynamicsVariant.True;

    /// <summary>Whether η_ybar is fitted to the loss curve after (η_h, η_y).</summary>
    public bool FitLoss { get; init; } = true;

    /// <summary>The time axis of the fit: epochs (default) or training steps (the pairs table's <c>step</c> column; reanalysis with <c>--time step</c>).</summary>
    public TimeAxis Time { get; init; } = TimeAxis.Epoch;

    /// <summary>
    /// Which fitted curves fit/curves holds: report (the pairs a report shows: the first pair of every class pair
    /// of a data set, every pair of a point set), all, or none. Every (pair, layer) gets a fits row regardless.
    /// </summary>
    public CurveSelection Curves { get; init; } = CurveSelection.Report;

    /// <summary>
    /// Where the fitted system starts: measured (default; the first sample of the window, as the paper fits) or fitted
    /// (the initial state estimated with the rates, for trajectories whose first sample is noisy too).
    /// </summary>
    public InitialState Initial { get; init; } = InitialState.Measured;

    /// <summary>
    /// Whether the four altered systems of the alternative-dynamics experiment (<see cref="DynamicsVariant"/>) are also fitted to every trajectory (fits gain
    /// best_alternative and s_ratio_alternative; about five times the fit time).
    /// </summary>
    public bool Alternatives { get; init; }

    /// <summary>
    /// Integration steps per epoch of the window that each trial of the fit's refinement may take (at least 1000 in all);
    /// trials over it count as failed, and the fit's message says how many stopped there. 0 = no budget (up to the
    /// integrator's 200,000 steps a trial: slow where the best rates make the system stiff).
    /// </summary>
    public int RefineStepsPerEpoch { get; init; } = 20;
}

/// <summary>The extract stage: where checkpoints are evaluated.</summary>
public sealed record ExtractSpec
{
    /// <summary>ONNX Runtime's execution provider.</summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>Intra-op threads of ONNX Runtime; 0 = every core.</summary>
    public int Threads { get; init; }

    /// <summary>Which pairs are followed (data sets with many points): all, random:N, classes:A-B:N, per-class-pair:N, or a CSV file with columns a,b.</summary>
    public string Pairs { get; init; } = "per-class-pair:10";

    /// <summary>Rows per ONNX Runtime run.</summary>
    public int BatchSize { get; init; } = 2048;

    /// <summary>Whether a linear probe (held-out accuracy of a linear classifier) is fitted per layer and checkpoint.</summary>
    public bool LinearProbe { get; init; } = true;

    /// <summary>Probe every n-th checkpoint (and always the last): probes cost more than the extraction itself.</summary>
    public int ProbeEvery { get; init; } = 5;
}

/// <summary>The report stage.</summary>
public sealed record ReportSpec
{
    /// <summary>Title of report.html; empty = the experiment's name.</summary>
    public string Title { get; init; } = "";
}

namespace RepAlign.Theory;

/// <summary>
/// The outcome of <see cref="TwoPointFit.Fit"/>. Fields are never null; when
/// <see cref="Status"/> is <see cref="FitStatus.DegenerateInput"/> the numbers are NaN, the curves
/// are empty and <see cref="Message"/> says why.
/// </summary>
public sealed record FitResult
{
    /// <summary>How the fit ended.</summary>
    public required FitStatus Status { get; init; }

    /// <summary>What happened, in words (never null).</summary>
    public required string Message { get; init; }

    /// <summary>Fitted η_h (per epoch, the equations' own convention).</summary>
    public double EtaH { get; init; } = double.NaN;

    /// <summary>Fitted η_y (per epoch).</summary>
    public double EtaY { get; init; } = double.NaN;

    /// <summary>Fitted η_ybar; NaN exactly when <see cref="HasLossFit"/> is false.</summary>
    public double EtaYbar { get; init; } = double.NaN;

    /// <summary>True when η_ybar was fitted (loss and ybar0 columns present and <see cref="FitOptions.FitLoss"/>).</summary>
    public bool HasLossFit { get; init; }

    /// <summary>Asymptotic standard error of η_h (Gauss–Newton covariance of all fitted parameters, delta method); +∞ when not identifiable.</summary>
    public double StdErrEtaH { get; init; } = double.NaN;

    /// <summary>Asymptotic standard error of η_y; +∞ when not identifiable.</summary>
    public double StdErrEtaY { get; init; } = double.NaN;

    /// <summary>Lower end of the 95 % interval of η_h, exp(ln η_h − 1.96·se(ln η_h)); NaN with <see cref="IntervalNote"/> when none.</summary>
    public double EtaHLow { get; init; } = double.NaN;

    /// <summary>Upper end of the 95 % interval of η_h; NaN with <see cref="IntervalNote"/> when none.</summary>
    public double EtaHHigh { get; init; } = double.NaN;

    /// <summary>Lower end of the 95 % interval of η_y; NaN with <see cref="IntervalNote"/> when none.</summary>
    public double EtaYLow { get; init; } = double.NaN;

    /// <summary>Upper end of the 95 % interval of η_y; NaN with <see cref="IntervalNote"/> when none.</summary>
    public double EtaYHigh { get; init; } = double.NaN;

    /// <summary>Empty when the intervals exist; otherwise why they are NaN (singular curvature, not converged, no curvature).</summary>
    public string IntervalNote { get; init; } = "";

    /// <summary>Where the fitted system starts: the measured first sample, or a state fitted with the rates.</summary>
    public InitialState Initial { get; init; } = InitialState.Measured;

    /// <summary>h at the first epoch of the window that the fitted curves start from (measured or fitted).</summary>
    public double H0 { get; init; } = double.NaN;

    /// <summary>y at the first epoch of the window that the fitted curves start from.</summary>
    public double Y0 { get; init; } = double.NaN;

    /// <summary>w at the first epoch of the window that the fitted curves start from.</summary>
    public double W0 { get; init; } = double.NaN;

    /// <summary>
    /// With <see cref="FitOptions.Alternatives"/>: the rival system with the lowest S; null when the rivals were not
    /// fitted or none of them could be integrated (then <see cref="SRatioAlternative"/> is +∞).
    /// </summary>
    public DynamicsVariant? BestAlternative { get; init; }

    /// <summary>
    /// With <see cref="FitOptions.Alternatives"/>: the best rival's S divided by this fit's S (&gt; 1: the fitted system
    /// wins; +∞ when no rival could be integrated); NaN when the rivals were not fitted or this fit has no finite S.
    /// </summary>
    public double SRatioAlternative { get; init; } = double.NaN;

    /// <summary>The paper's unweighted objective S (docs/theory.md §2) at the fitted rates, whatever the weighting used.</summary>
    public double S { get; init; } = double.NaN;

    /// <summary>The objective actually minimised (equals <see cref="S"/> for <see cref="FitWeighting.Paper"/>).</summary>
    public double WeightedS { get; init; } = double.NaN;

    /// <summary>Σ (L − L̂)² of the η_ybar fit; NaN when <see cref="HasLossFit"/> is false.</summary>
    public double LossS { get; init; } = double.NaN;

    /// <summary>Coefficient of determination of the fitted h.</summary>
    public double R2H { get; init; } = double.NaN;

    /// <summary>Coefficient of determination of the fitted y.</summary>
    public double R2Y { get; init; } = double.NaN;

    /// <summary>Coefficient of determination of the fitted w.</summary>
    public double R2W { get; init; } = double.NaN;

    /// <summary>C = h/dx2 − (η_h/η_y)·y/h at the first fitted epoch from measured values and fitted rates.</summary>
    public double C { get; init; } = double.NaN;

    /// <summary>
    /// Drift of C along the measured trajectory: max_t |C_t − C_0| divided by max_t h_t/dx2 (the
    /// scale of C's terms; C itself is near 0 in the rich regime, so it cannot be the denominator).
    /// </summary>
    public double CDrift { get; init; } = double.NaN;

    /// <summary>A_low = sqrt(η_h/η_y · dx2 · dy2).</summary>
    public double ALow { get; init; } = double.NaN;

    /// <summary>A_high = h(0) − (η_h/η_y)·dx2·y(0)/h(0) from the first fitted epoch.</summary>
    public double AHigh { get; init; } = double.NaN;

    /// <summary>Predicted h(∞).</summary>
    public double HInfPred { get; init; } = double.NaN;

    /// <summary>Observed final h (the last measured h of the fit window).</summary>
    public double HInfObs { get; init; } = double.NaN;

    /// <summary>A_low/|A_high|.</summary>
    public double RichnessRatio { get; init; } = double.NaN;

    /// <summary>Regime from <see cref="RichnessRatio"/> (thresholds in <see cref="FinalDistance"/>).</summary>
    public Regime Regime { get; init; } = Regime.Undetermined;

    /// <summary>Wall-clock seconds of the whole fit.</summary>
    public double FitSeconds { get; init; }

    /// <summary>Levenberg–Marquardt iterations (trial steps) taken.</summary>
    public int Iterations { get; init; }

    /// <summary>Wall-clock seconds of the grid search (the rest of <see cref="FitSeconds"/> is the refinement and the summary).</summary>
    public double GridSeconds { get; init; }

    /// <summary>Grid candidates integrated (each possibly stopped early when its partial objective passed the best).</summary>
    public int GridEvaluations { get; init; }

    /// <summary>Accurate integrations of the refinement (sensitivity systems for Levenberg–Marquardt, plain ones for Nelder–Mead).</summary>
    public int RefinementEvaluations { get; init; }

    /// <summary>η_h of the best grid candidate (the refinement's start).</summary>
    public double GridEtaH { get; init; } = double.NaN;

    /// <summary>η_y of the best grid candidate.</summary>
    public double GridEtaY { get; init; } = double.NaN;

    /// <summary>Epochs of the fitted curves: the trajectory's epochs inside the fit window.</summary>
    public double[] Epoch { get; init; } = [];

    /// <summary>Fitted h at <see cref="Epoch"/>.</summary>
    public double[] HFit { get; init; } = [];

    /// <summary>Fitted y at <see cref="Epoch"/>.</summary>
    public double[] YFit { get; init; } = [];

    /// <summary>Fitted w at <see cref="Epoch"/>.</summary>
    public double[] WFit { get; init; } = [];

    /// <summary>Analytic loss at <see cref="Epoch"/>; empty when <see cref="HasLossFit"/> is false.</summary>
    public double[] LossFit { get; init; } = [];
}

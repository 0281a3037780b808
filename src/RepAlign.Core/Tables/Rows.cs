using System.Text.Json.Serialization;

namespace RepAlign.Core.Tables;

/// <summary>One row of train/metrics: the online pair metrics at a tracked layer before an epoch's update.</summary>
public sealed class MetricRow
{
    /// <summary>Epoch (0 = initial weights; the state before that epoch's update).</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; set; }
    /// <summary>Hidden layer index (0-based).</summary>
    [JsonPropertyName("layer")] public int Layer { get; set; }
    /// <summary>Pair index.</summary>
    [JsonPropertyName("pair")] public int Pair { get; set; }
    /// <summary>‖h(x_b) − h(x_a)‖².</summary>
    [JsonPropertyName("h2")] public double H2 { get; set; }
    /// <summary>‖ŷ(x_b) − ŷ(x_a)‖².</summary>
    [JsonPropertyName("y2")] public double Y2 { get; set; }
    /// <summary>Output alignment w.</summary>
    [JsonPropertyName("w")] public double W { get; set; }
    /// <summary>Training loss (0.5·MSE) at this epoch.</summary>
    [JsonPropertyName("loss")] public double Loss { get; set; }
    /// <summary>‖mean prediction − mean target‖² at this epoch.</summary>
    [JsonPropertyName("ybar0")] public double Ybar0 { get; set; }
}

/// <summary>One row of extract/pairs: pair metrics at one checkpoint and layer (schema in docs/design.md).</summary>
public sealed class PairRow
{
    /// <summary>Checkpoint epoch (−1 when only the step is known).</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; set; }
    /// <summary>Training step of the checkpoint where its file name gives one (reanalysis of e.g. <c>epoch=3-step=423.onnx</c>), else −1.</summary>
    [JsonPropertyName("step")] public long Step { get; set; } = -1;
    /// <summary>Hidden layer index (0-based).</summary>
    [JsonPropertyName("layer")] public int Layer { get; set; }
    /// <summary>Pair index.</summary>
    [JsonPropertyName("pair")] public int Pair { get; set; }
    /// <summary>Index of the first data point.</summary>
    [JsonPropertyName("a")] public int A { get; set; }
    /// <summary>Index of the second data point.</summary>
    [JsonPropertyName("b")] public int B { get; set; }
    /// <summary>Label of a (−1 where the data has none).</summary>
    [JsonPropertyName("label_a")] public int LabelA { get; set; }
    /// <summary>Label of b (−1 where the data has none).</summary>
    [JsonPropertyName("label_b")] public int LabelB { get; set; }
    /// <summary>‖x_b − x_a‖².</summary>
    [JsonPropertyName("dx2")] public double Dx2 { get; set; }
    /// <summary>‖y_b* − y_a*‖².</summary>
    [JsonPropertyName("dy2")] public double Dy2 { get; set; }
    /// <summary>‖h(x_b) − h(x_a)‖².</summary>
    [JsonPropertyName("h2")] public double H2 { get; set; }
    /// <summary>‖ŷ(x_b) − ŷ(x_a)‖².</summary>
    [JsonPropertyName("y2")] public double Y2 { get; set; }
    /// <summary>Output alignment w.</summary>
    [JsonPropertyName("w")] public double W { get; set; }
}

/// <summary>One row of fit/fits: the theory fitted to one (pair, layer) trajectory.</summary>
public sealed class FitRow
{
    /// <summary>Pair index.</summary>
    [JsonPropertyName("pair")] public int Pair { get; set; }
    /// <summary>Hidden layer index.</summary>
    [JsonPropertyName("layer")] public int Layer { get; set; }
    /// <summary>Index of the first data point.</summary>
    [JsonPropertyName("a")] public int A { get; set; }
    /// <summary>Index of the second data point.</summary>
    [JsonPropertyName("b")] public int B { get; set; }
    /// <summary>Label of a (−1 where none).</summary>
    [JsonPropertyName("label_a")] public int LabelA { get; set; }
    /// <summary>Label of b (−1 where none).</summary>
    [JsonPropertyName("label_b")] public int LabelB { get; set; }
    /// <summary>‖x_b − x_a‖².</summary>
    [JsonPropertyName("dx2")] public double Dx2 { get; set; }
    /// <summary>‖y_b* − y_a*‖².</summary>
    [JsonPropertyName("dy2")] public double Dy2 { get; set; }
    /// <summary>Fitted effective learning rate of the representation.</summary>
    [JsonPropertyName("eta_h")] public double EtaH { get; set; }
    /// <summary>Fitted effective learning rate of the output.</summary>
    [JsonPropertyName("eta_y")] public double EtaY { get; set; }
    /// <summary>Fitted rate of the mean prediction (NaN when the trajectory has no loss).</summary>
    [JsonPropertyName("eta_ybar")] public double EtaYbar { get; set; }
    /// <summary>Standard error of η_h (NaN where it does not exist).</summary>
    [JsonPropertyName("se_eta_h")] public double SeEtaH { get; set; }
    /// <summary>Standard error of η_y (NaN where it does not exist).</summary>
    [JsonPropertyName("se_eta_y")] public double SeEtaY { get; set; }
    /// <summary>Lower end of the 95 % interval of η_h (log scale, mapped back: always positive); NaN with <see cref="IntervalNote"/> when none.</summary>
    [JsonPropertyName("eta_h_lo")] public double EtaHLo { get; set; } = double.NaN;
    /// <summary>Upper end of the 95 % interval of η_h; NaN with <see cref="IntervalNote"/> when none.</summary>
    [JsonPropertyName("eta_h_hi")] public double EtaHHi { get; set; } = double.NaN;
    /// <summary>Lower end of the 95 % interval of η_y; NaN with <see cref="IntervalNote"/> when none.</summary>
    [JsonPropertyName("eta_y_lo")] public double EtaYLo { get; set; } = double.NaN;
    /// <summary>Upper end of the 95 % interval of η_y; NaN with <see cref="IntervalNote"/> when none.</summary>
    [JsonPropertyName("eta_y_hi")] public double EtaYHi { get; set; } = double.NaN;
    /// <summary>Empty when the intervals exist; otherwise why they are NaN (singular curvature, not converged, no curvature).</summary>
    [JsonPropertyName("interval_note")] public string IntervalNote { get; set; } = "";
    /// <summary>Where the fitted system starts: measured (the first sample) or fitted (estimated with the rates).</summary>
    [JsonPropertyName("initial")] public string Initial { get; set; } = "measured";
    /// <summary>The objective S of docs/theory.md §2 at the fitted rates.</summary>
    [JsonPropertyName("fit_loss")] public double FitLoss { get; set; }
    /// <summary>R² of h.</summary>
    [JsonPropertyName("r2_h")] public double R2H { get; set; }
    /// <summary>R² of y.</summary>
    [JsonPropertyName("r2_y")] public double R2Y { get; set; }
    /// <summary>R² of w.</summary>
    [JsonPropertyName("r2_w")] public double R2W { get; set; }
    /// <summary>The conserved quantity C = h/dx2 − (η_h/η_y)·y/h at the first epoch.</summary>
    [JsonPropertyName("C")] public double C { get; set; }
    /// <summary>Relative drift of C along the measured trajectory.</summary>
    [JsonPropertyName("c_drift")] public double CDrift { get; set; }
    /// <summary>A_low = sqrt(η_h/η_y)·sqrt(dx2)·sqrt(dy2).</summary>
    [JsonPropertyName("a_low")] public double ALow { get; set; }
    /// <summary>A_high = dx2·C.</summary>
    [JsonPropertyName("a_high")] public double AHigh { get; set; }
    /// <summary>Predicted final representational distance h(∞).</summary>
    [JsonPropertyName("h_inf_pred")] public double HInfPred { get; set; }
    /// <summary>Observed h at the last epoch.</summary>
    [JsonPropertyName("h_inf_obs")] public double HInfObs { get; set; }
    /// <summary>rich, intermediate or lazy.</summary>
    [JsonPropertyName("regime")] public string Regime { get; set; } = "";
    /// <summary>Fit status (converged, iteration_limit, degenerate_input, diverged).</summary>
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    /// <summary>What the status means for this fit.</summary>
    [JsonPropertyName("message")] public string Message { get; set; } = "";
    /// <summary>With fit.alternatives: the rival system with the lowest S ("none" when no rival could be integrated); empty otherwise.</summary>
    [JsonPropertyName("best_alternative")] public string BestAlternative { get; set; } = "";
    /// <summary>With fit.alternatives: the best rival's S / this fit's S (&gt; 1: the fitted system wins); NaN otherwise.</summary>
    [JsonPropertyName("s_ratio_alternative")] public double SRatioAlternative { get; set; } = double.NaN;
    /// <summary>Seconds the fit took (the last column: the only one that differs between two runs of the same fit).</summary>
    [JsonPropertyName("fit_seconds")] public double FitSeconds { get; set; }
}

/// <summary>One row of fit/curves: the fitted system (and analytic loss) at one epoch of one (pair, layer).</summary>
public sealed class CurveRow
{
    /// <summary>Epoch.</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; set; }
    /// <summary>Hidden layer index.</summary>
    [JsonPropertyName("layer")] public int Layer { get; set; }
    /// <summary>Pair index.</summary>
    [JsonPropertyName("pair")] public int Pair { get; set; }
    /// <summary>Measured h.</summary>
    [JsonPropertyName("h2")] public double H2 { get; set; }
    /// <summary>Measured y.</summary>
    [JsonPropertyName("y2")] public double Y2 { get; set; }
    /// <summary>Measured w.</summary>
    [JsonPropertyName("w")] public double W { get; set; }
    /// <summary>Measured loss (NaN when unknown).</summary>
    [JsonPropertyName("loss")] public double Loss { get; set; }
    /// <summary>Fitted h.</summary>
    [JsonPropertyName("h2_fit")] public double H2Fit { get; set; }
    /// <summary>Fitted y.</summary>
    [JsonPropertyName("y2_fit")] public double Y2Fit { get; set; }
    /// <summary>Fitted w.</summary>
    [JsonPropertyName("w_fit")] public double WFit { get; set; }
    /// <summary>Analytic loss at the fitted rates (NaN when not fitted).</summary>
    [JsonPropertyName("loss_fit")] public double LossFit { get; set; }
}

/// <summary>One row of train/loss (data-set runs): the mean training loss of an epoch.</summary>
public sealed class EpochRow
{
    /// <summary>Epoch (1-based: the loss over that epoch's mini-batches).</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; set; }
    /// <summary>Mean 0.5·MSE over the epoch's mini-batches.</summary>
    [JsonPropertyName("loss")] public double Loss { get; set; }
}

/// <summary>One row of extract/accuracy: the network's accuracy on held-out images at a checkpoint.</summary>
public sealed class AccuracyRow
{
    /// <summary>Checkpoint epoch.</summary>
    [JsonPropertyName("epoch")] public int Epoch { get; set; }
    /// <summary>Fraction of held-out images whose largest output is their label.</summary>
    [JsonPropertyName("accuracy")] public double Accuracy { get; set; }
    /// <summary>Number of held-out images.</summary>
    [JsonPropertyName("images")] public int Images { get; set; }
}

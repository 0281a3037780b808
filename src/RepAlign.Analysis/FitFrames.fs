/// The fit table as a Deedle frame and its summaries per layer and per class pair (the analyze stage's arithmetic).
///
/// A fit is "described well" by the theory when its status is converged and both R² of h and R² of y are at
/// least <see cref="DescribedWellR2"/> (0.9); a NaN R² counts as not described well. Medians and quartiles skip
/// NaN and infinite values (a fit that produced no number does not move the distribution); counts and the
/// described-well fraction are over every fit of the group.
/// The 95 % intervals (columns *_lo, *_hi) come from FitIntervals.
module RepAlign.Analysis.FitFrames

open System
open System.Globalization
open System.Text.Json.Serialization
open Deedle
open MathNet.Numerics.Statistics
open RepAlign.Core.Tables

/// The R² of h and of y a converged fit must reach to count as described well by the theory.
[<Literal>]
let DescribedWellR2 = 0.9

/// Whether the theory describes a fit well: status converged, R² of h ≥ 0.9 and R² of y ≥ 0.9 (NaN is not well).
let describedWell (fit: FitRow) =
    fit.Status = "converged" && fit.R2H >= DescribedWellR2 && fit.R2Y >= DescribedWellR2

/// One row of analyze/layers: the distribution of the fits at one hidden layer.
[<CLIMutable>]
type LayerSummary =
    { /// Hidden layer index (0-based).
      [<JsonPropertyName("layer")>] Layer: int
      /// Fits (pairs) at this layer.
      [<JsonPropertyName("pairs")>] Pairs: int
      /// Fits whose status is converged.
      [<JsonPropertyName("converged")>] Converged: int
      /// Fraction of the layer's fits described well (converged, R² of h and of y ≥ 0.9).
      [<JsonPropertyName("described_well")>] DescribedWell: float
      /// Lower end of the Wilson 95 % interval of described_well.
      [<JsonPropertyName("described_well_lo")>] DescribedWellLo: float
      /// Upper end of the Wilson 95 % interval of described_well.
      [<JsonPropertyName("described_well_hi")>] DescribedWellHi: float
      /// Median of η_h.
      [<JsonPropertyName("eta_h_median")>] EtaHMedian: float
      /// First quartile of η_h.
      [<JsonPropertyName("eta_h_q25")>] EtaHQ25: float
      /// Third quartile of η_h.
      [<JsonPropertyName("eta_h_q75")>] EtaHQ75: float
      /// Lower end of the bootstrap 95 % interval of the median η_h (percentile, over the layer's pairs).
      [<JsonPropertyName("eta_h_median_lo")>] EtaHMedianLo: float
      /// Upper end of the bootstrap 95 % interval of the median η_h.
      [<JsonPropertyName("eta_h_median_hi")>] EtaHMedianHi: float
      /// Median of η_y.
      [<JsonPropertyName("eta_y_median")>] EtaYMedian: float
      /// First quartile of η_y.
      [<JsonPropertyName("eta_y_q25")>] EtaYQ25: float
      /// Third quartile of η_y.
      [<JsonPropertyName("eta_y_q75")>] EtaYQ75: float
      /// Lower end of the bootstrap 95 % interval of the median η_y (percentile, over the layer's pairs).
      [<JsonPropertyName("eta_y_median_lo")>] EtaYMedianLo: float
      /// Upper end of the bootstrap 95 % interval of the median η_y.
      [<JsonPropertyName("eta_y_median_hi")>] EtaYMedianHi: float
      /// Median of η_h/η_y.
      [<JsonPropertyName("eta_ratio_median")>] EtaRatioMedian: float
      /// First quartile of η_h/η_y.
      [<JsonPropertyName("eta_ratio_q25")>] EtaRatioQ25: float
      /// Third quartile of η_h/η_y.
      [<JsonPropertyName("eta_ratio_q75")>] EtaRatioQ75: float
      /// Lower end of the bootstrap 95 % interval of the median η_h/η_y (percentile, over the layer's pairs).
      [<JsonPropertyName("eta_ratio_median_lo")>] EtaRatioMedianLo: float
      /// Upper end of the bootstrap 95 % interval of the median η_h/η_y.
      [<JsonPropertyName("eta_ratio_median_hi")>] EtaRatioMedianHi: float
      /// Median R² of h.
      [<JsonPropertyName("r2_h_median")>] R2HMedian: float
      /// First quartile of R² of h.
      [<JsonPropertyName("r2_h_q25")>] R2HQ25: float
      /// Third quartile of R² of h.
      [<JsonPropertyName("r2_h_q75")>] R2HQ75: float
      /// Lower end of the bootstrap 95 % interval of the median R² of h (percentile, over the layer's pairs).
      [<JsonPropertyName("r2_h_median_lo")>] R2HMedianLo: float
      /// Upper end of the bootstrap 95 % interval of the median R² of h.
      [<JsonPropertyName("r2_h_median_hi")>] R2HMedianHi: float
      /// Median R² of y.
      [<JsonPropertyName("r2_y_median")>] R2YMedian: float
      /// First quartile of R² of y.
      [<JsonPropertyName("r2_y_q25")>] R2YQ25: float
      /// Third quartile of R² of y.
      [<JsonPropertyName("r2_y_q75")>] R2YQ75: float
      /// Lower end of the bootstrap 95 % interval of the median R² of y (percentile, over the layer's pairs).
      [<JsonPropertyName("r2_y_median_lo")>] R2YMedianLo: float
      /// Upper end of the bootstrap 95 % interval of the median R² of y.
      [<JsonPropertyName("r2_y_median_hi")>] R2YMedianHi: float
      /// Median R² of w.
      [<JsonPropertyName("r2_w_median")>] R2WMedian: float
      /// First quartile of R² of w.
      [<JsonPropertyName("r2_w_q25")>] R2WQ25: float
      /// Third quartile of R² of w.
      [<JsonPropertyName("r2_w_q75")>] R2WQ75: float
      /// Median relative error of the predicted final distance, |h_inf_pred − h_inf_obs| / h_inf_obs.
      [<JsonPropertyName("h_inf_rel_err_median")>] HInfRelErrMedian: float
      /// Fits in the rich regime.
      [<JsonPropertyName("rich")>] Rich: int
      /// Fits in the intermediate regime.
      [<JsonPropertyName("intermediate")>] Intermediate: int
      /// Fits in the lazy regime.
      [<JsonPropertyName("lazy")>] Lazy: int
      /// Fits whose regime could not be determined.
      [<JsonPropertyName("undetermined")>] Undetermined: int
      /// With fit.alternatives: fits whose system was compared with its rivals (s_ratio_alternative not NaN); 0 without.
      [<JsonPropertyName("alternatives_compared")>] AlternativesCompared: int
      /// Fraction of the compared fits where the fitted system beats every rival (s_ratio_alternative > 1); NaN when none compared.
      [<JsonPropertyName("wins_over_alternatives")>] WinsOverAlternatives: float
      /// Lower end of the Wilson 95 % interval of wins_over_alternatives.
      [<JsonPropertyName("wins_over_alternatives_lo")>] WinsOverAlternativesLo: float
      /// Upper end of the Wilson 95 % interval of wins_over_alternatives.
      [<JsonPropertyName("wins_over_alternatives_hi")>] WinsOverAlternativesHi: float }

/// One row of analyze/class_pairs: the fits of one unordered class pair (label_low ≤ label_high) at one layer.
[<CLIMutable>]
type ClassPairSummary =
    { /// Hidden layer index (0-based).
      [<JsonPropertyName("layer")>] Layer: int
      /// The smaller of the two labels.
      [<JsonPropertyName("label_low")>] LabelLow: int
      /// The larger of the two labels.
      [<JsonPropertyName("label_high")>] LabelHigh: int
      /// Fits (pairs) of this class pair at this layer.
      [<JsonPropertyName("pairs")>] Pairs: int
      /// Median R² of h.
      [<JsonPropertyName("r2_h_median")>] R2HMedian: float
      /// Median R² of y.
      [<JsonPropertyName("r2_y_median")>] R2YMedian: float
      /// Median η_h/η_y.
      [<JsonPropertyName("eta_ratio_median")>] EtaRatioMedian: float
      /// Fraction described well (converged, R² of h and of y ≥ 0.9).
      [<JsonPropertyName("described_well")>] DescribedWell: float
      /// Lower end of the Wilson 95 % interval of described_well.
      [<JsonPropertyName("described_well_lo")>] DescribedWellLo: float
      /// Upper end of the Wilson 95 % interval of described_well.
      [<JsonPropertyName("described_well_hi")>] DescribedWellHi: float }

/// The p-quantile (0 ≤ p ≤ 1) of the finite values, linearly interpolated between order statistics
/// (Math.NET's R7 definition: position (n − 1)·p, as numpy's default); NaN when no value is finite.
/// RepAlign's one quantile: every median and quartile of the analysis and the reproduction comes from here.
let quantile (p: float) (values: float seq) =
    let xs = values |> Seq.filter Double.IsFinite |> Seq.toArray |> Array.sort
    if xs.Length = 0 then nan
    else SortedArrayStatistics.QuantileCustom(xs, p, QuantileDefinition.R7)

/// The median of the finite values (NaN when none).
let median (values: float seq) = quantile 0.5 values

/// The columns the summaries read, one row per fit: the fit table cut to what byLayer and byClassPair use, with the
/// derived columns computed once. 14 columns instead of the fit row's 36 (and no message strings), so the analyze
/// stage holds 180,000 fits in a few tens of megabytes.
[<CLIMutable>]
type SummaryRow =
    { Layer: int; LabelLow: int; LabelHigh: int
      EtaH: float; EtaY: float; EtaRatio: float
      R2H: float; R2Y: float; R2W: float
      HInfRelErr: float; Well: float; SRatio: float
      Status: string; Regime: string }

/// A fit's summary row (status and regime strings interned: a handful of distinct values over all fits).
let summaryRow (r: FitRow) =
    { Layer = r.Layer; LabelLow = min r.LabelA r.LabelB; LabelHigh = max r.LabelA r.LabelB
      EtaH = r.EtaH; EtaY = r.EtaY; EtaRatio = r.EtaH / r.EtaY
      R2H = r.R2H; R2Y = r.R2Y; R2W = r.R2W
      HInfRelErr = abs (r.HInfPred - r.HInfObs) / r.HInfObs; Well = (if describedWell r then 1.0 else 0.0)
      SRatio = r.SRatioAlternative
      Status = String.Intern r.Status; Regime = String.Intern r.Regime }

/// The summaries' frame of fits (<see cref="SummaryRow"/> columns); byLayer and byClassPair read it like a fitFrame.
let summaryFrame (fits: FitRow seq) : Frame<int, string> =
    fits |> Seq.map summaryRow |> Seq.toArray |> Frame.ofRecords

/// The fit table as a Deedle frame, one row per (pair, layer); columns are FitRow's property names
/// (Pair, Layer, LabelA, EtaH, R2H, Regime, Status, …) plus the derived columns
/// EtaRatio (η_h/η_y), HInfRelErr (|h_inf_pred − h_inf_obs|/h_inf_obs), Well (1 when described well, else 0),
/// SRatio (s_ratio_alternative), LabelLow and LabelHigh (the unordered class pair).
let fitFrame (fits: FitRow seq) : Frame<int, string> =
    let fits = Seq.toArray fits
    let summaries = fits |> Array.map summaryRow
    let derived (f: SummaryRow -> 'T) = summaries |> Array.map f |> Series.ofValues
    Frame.ofRecords fits
    |> Frame.addCol "EtaRatio" (derived _.EtaRatio)
    |> Frame.addCol "HInfRelErr" (derived _.HInfRelErr)
    |> Frame.addCol "Well" (derived _.Well)
    |> Frame.addCol "SRatio" (derived _.SRatio)
    |> Frame.addCol "LabelLow" (derived _.LabelLow)
    |> Frame.addCol "LabelHigh" (derived _.LabelHigh)

/// The present values of a float column (Deedle drops missing values; NaN counts as missing).
let private floats (column: string) (frame: Frame<int, string>) =
    frame.GetColumn<float>(column) |> Series.values |> Seq.toArray

/// First quartile, median and third quartile of a float column.
let private quartiles (column: string) (frame: Frame<int, string>) =
    let xs = floats column frame
    quantile 0.25 xs, quantile 0.5 xs, quantile 0.75 xs

/// How many rows of a string column equal the value.
let private countOf (column: string) (value: string) (frame: Frame<int, string>) =
    frame.GetColumn<string>(column) |> Series.values |> Seq.filter (fun v -> v = value) |> Seq.length

/// Fraction of rows described well (the mean of the Well column; NaN for no rows) and its Wilson 95 % interval.
let private wellFraction (frame: Frame<int, string>) = FitIntervals.wilson (floats "Well" frame |> Array.sumBy int) frame.RowCount

let private layerSummary (seed: int64) (layer: int) (group: Frame<int, string>) : LayerSummary =
    let hq25, hMed, hq75 = quartiles "EtaH" group
    let yq25, yMed, yq75 = quartiles "EtaY" group
    let rq25, rMed, rq75 = quartiles "EtaRatio" group
    let r2hq25, r2hMed, r2hq75 = quartiles "R2H" group
    let r2yq25, r2yMed, r2yq75 = quartiles "R2Y" group
    let r2wq25, r2wMed, r2wq75 = quartiles "R2W" group
    let well, wellLo, wellHi = wellFraction group
    let compared, won, wonLo, wonHi = FitIntervals.wins (floats "SRatio" group)
    let ci = FitIntervals.aligned [ "EtaH"; "EtaY"; "EtaRatio"; "R2H"; "R2Y" ] group |> FitIntervals.medianIntervals quantile (RepAlign.Theory.Bootstrap.GroupSeed(seed, int64 layer))
    { Layer = layer
      Pairs = group.RowCount
      Converged = countOf "Status" "converged" group
      DescribedWell = well; DescribedWellLo = wellLo; DescribedWellHi = wellHi
      EtaHMedian = hMed; EtaHQ25 = hq25; EtaHQ75 = hq75; EtaHMedianLo = fst ci[0]; EtaHMedianHi = snd ci[0]
      EtaYMedian = yMed; EtaYQ25 = yq25; EtaYQ75 = yq75; EtaYMedianLo = fst ci[1]; EtaYMedianHi = snd ci[1]
      EtaRatioMedian = rMed; EtaRatioQ25 = rq25; EtaRatioQ75 = rq75; EtaRatioMedianLo = fst ci[2]; EtaRatioMedianHi = snd ci[2]
      R2HMedian = r2hMed; R2HQ25 = r2hq25; R2HQ75 = r2hq75; R2HMedianLo = fst ci[3]; R2HMedianHi = snd ci[3]
      R2YMedian = r2yMed; R2YQ25 = r2yq25; R2YQ75 = r2yq75; R2YMedianLo = fst ci[4]; R2YMedianHi = snd ci[4]
      R2WMedian = r2wMed; R2WQ25 = r2wq25; R2WQ75 = r2wq75
      HInfRelErrMedian = median (floats "HInfRelErr" group)
      Rich = countOf "Regime" "rich" group
      Intermediate = countOf "Regime" "intermediate" group
      Lazy = countOf "Regime" "lazy" group
      Undetermined = countOf "Regime" "undetermined" group
      AlternativesCompared = compared
      WinsOverAlternatives = won; WinsOverAlternativesLo = wonLo; WinsOverAlternativesHi = wonHi }

/// Per-layer summaries of a fit frame (from <see cref="fitFrame"/> or <see cref="summaryFrame"/>), ordered by layer;
/// the bootstrap intervals are seeded from <paramref name="seed"/> (the run's train.seed) and the layer.
let byLayerSeeded (seed: int64) (frame: Frame<int, string>) : LayerSummary[] =
    if frame.RowCount = 0 then [||]
    else
        frame
        |> Frame.groupRowsByInt "Layer"
        |> Frame.nest
        |> Series.observations
        |> Seq.map (fun (layer, group) -> layerSummary seed layer group)
        |> Seq.sortBy (fun s -> s.Layer)
        |> Seq.toArray

/// Per-layer summaries with the bootstrap seeded from FitIntervals.DefaultSeed.
let byLayer (frame: Frame<int, string>) : LayerSummary[] = byLayerSeeded FitIntervals.DefaultSeed frame

/// Per-(layer, unordered class pair) summaries of a fit frame, ordered by layer, label_low, label_high.
/// Fits without labels (label −1, e.g. two-point runs) are left out.
let byClassPair (frame: Frame<int, string>) : ClassPairSummary[] =
    let labelled = frame |> Frame.filterRows (fun _ row -> row.GetAs<int>("LabelLow") >= 0)
    if labelled.RowCount = 0 then [||]
    else
        labelled
        |> Frame.groupRowsUsing (fun _ row -> row.GetAs<int>("Layer"), row.GetAs<int>("LabelLow"), row.GetAs<int>("LabelHigh"))
        |> Frame.nest
        |> Series.observations
        |> Seq.map (fun ((layer, low, high), group) ->
            let well, wellLo, wellHi = wellFraction group
            { Layer = layer
              LabelLow = low
              LabelHigh = high
              Pairs = group.RowCount
              R2HMedian = median (floats "R2H" group)
              R2YMedian = median (floats "R2Y" group)
              EtaRatioMedian = median (floats "EtaRatio" group)
              DescribedWell = well; DescribedWellLo = wellLo; DescribedWellHi = wellHi })
        |> Seq.sortBy (fun s -> s.Layer, s.LabelLow, s.LabelHigh)
        |> Seq.toArray

/// Per-layer summaries of fits (summaryFrame then byLayer).
let summariseLayers (fits: FitRow seq) = fits |> summaryFrame |> byLayer

/// Per-(layer, class pair) summaries of fits (summaryFrame then byClassPair).
let summariseClassPairs (fits: FitRow seq) = fits |> summaryFrame |> byClassPair

/// The middle of the given layers (the element at index n/2 of the sorted distinct layers, as track.layers =
/// "middle" picks depth/2); None when there are none.
let middleLayer (layers: int seq) =
    let sorted = layers |> Seq.distinct |> Seq.sort |> Seq.toArray
    if sorted.Length = 0 then None else Some sorted[sorted.Length / 2]

/// One line per layer for the user: "layer 2: 93% [90–95%] of 450 pairs described well (R² ≥ 0.9)" (Wilson 95 %), joined by "; ".
let describe (layers: LayerSummary seq) =
    let lines =
        layers
        |> Seq.map (fun s ->
            let pc (v: float) = (100.0 * v).ToString("F0", CultureInfo.InvariantCulture)
            let percent = if Double.IsNaN s.DescribedWell then "–" else $"{pc s.DescribedWell}%% [{pc s.DescribedWellLo}–{pc s.DescribedWellHi}%%]"
            let noun = if s.Pairs = 1 then "pair" else "pairs"
            $"layer {s.Layer}: {percent} of {s.Pairs} {noun} described well (R² ≥ {DescribedWellR2.ToString(CultureInfo.InvariantCulture)})")
        |> Seq.toArray
    if lines.Length = 0 then "no fits to summarise" else String.Join("; ", lines)

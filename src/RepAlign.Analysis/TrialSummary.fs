/// The trials of a sweep folded (experiment.trials > 1): per setting (variant × grid point) and layer, and per pair for
/// point sets, each headline quantity's mean and sample sd over the trials, written as trials.parquet and trials.csv
/// in the sweep folder (README.md, "Changing a setting"). Point sets: the fitted η_h, η_y and the R² of h, y and w.
/// Data sets: the fraction of pairs described well (FitFrames.describedWell) and the median η_h and η_y.
module RepAlign.Analysis.TrialSummary

open System
open System.IO
open System.Text.Json.Serialization
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner
open RepAlign.Pipelines.Spec

/// RepAlign's one mean ± sd over repeats (trials here, the seeds of `reproduce --seeds`): mean and sample standard
/// deviation (n − 1) of the values that are not NaN; the sd is NaN with fewer than two, both are NaN with none.
let meanSd (values: float seq) =
    let xs = values |> Seq.filter (fun v -> not (Double.IsNaN v)) |> Seq.toArray
    match xs.Length with
    | 0 -> nan, nan
    | 1 -> xs[0], nan
    | n ->
        let m = Array.average xs
        m, sqrt ((xs |> Array.sumBy (fun x -> (x - m) * (x - m))) / float (n - 1))

/// One row of a point-set sweep's trials.csv: one setting's layer and pair over its trials.
[<CLIMutable>]
type PointSetTrials =
    { /// Variant name ("" for none).
      [<JsonPropertyName("variant")>] Variant: string
      /// Swept keys and values, "key=value;…" as in sweep.csv.
      [<JsonPropertyName("settings")>] Settings: string
      /// Hidden layer index.
      [<JsonPropertyName("layer")>] Layer: int
      /// Pair index.
      [<JsonPropertyName("pair")>] Pair: int
      /// Trials that produced a fit here.
      [<JsonPropertyName("trials")>] Trials: int
      /// Mean of the fitted η_h over the trials.
      [<JsonPropertyName("eta_h_mean")>] EtaHMean: float
      /// Sample sd of η_h.
      [<JsonPropertyName("eta_h_sd")>] EtaHSd: float
      /// Mean of the fitted η_y.
      [<JsonPropertyName("eta_y_mean")>] EtaYMean: float
      /// Sample sd of η_y.
      [<JsonPropertyName("eta_y_sd")>] EtaYSd: float
      /// Mean R² of h.
      [<JsonPropertyName("r2_h_mean")>] R2HMean: float
      /// Sample sd of the R² of h.
      [<JsonPropertyName("r2_h_sd")>] R2HSd: float
      /// Mean R² of y.
      [<JsonPropertyName("r2_y_mean")>] R2YMean: float
      /// Sample sd of the R² of y.
      [<JsonPropertyName("r2_y_sd")>] R2YSd: float
      /// Mean R² of w.
      [<JsonPropertyName("r2_w_mean")>] R2WMean: float
      /// Sample sd of the R² of w.
      [<JsonPropertyName("r2_w_sd")>] R2WSd: float }

/// One row of a data-set sweep's trials.csv: one setting's layer over its trials.
[<CLIMutable>]
type DatasetTrials =
    { /// Variant name ("" for none).
      [<JsonPropertyName("variant")>] Variant: string
      /// Swept keys and values, "key=value;…" as in sweep.csv.
      [<JsonPropertyName("settings")>] Settings: string
      /// Hidden layer index.
      [<JsonPropertyName("layer")>] Layer: int
      /// Trials that produced fits at this layer.
      [<JsonPropertyName("trials")>] Trials: int
      /// Mean over the trials of the fraction of pairs described well (FitFrames.describedWell).
      [<JsonPropertyName("described_well_mean")>] DescribedWellMean: float
      /// Sample sd of the described-well fraction.
      [<JsonPropertyName("described_well_sd")>] DescribedWellSd: float
      /// Mean over the trials of the median η_h.
      [<JsonPropertyName("eta_h_median_mean")>] EtaHMedianMean: float
      /// Sample sd of the median η_h.
      [<JsonPropertyName("eta_h_median_sd")>] EtaHMedianSd: float
      /// Mean over the trials of the median η_y.
      [<JsonPropertyName("eta_y_median_mean")>] EtaYMedianMean: float
      /// Sample sd of the median η_y.
      [<JsonPropertyName("eta_y_median_sd")>] EtaYMedianSd: float }

/// The settings column of a point, as sweep.csv writes it.
let settingsText (point: RunPoint) =
    String.Join(";", point.Settings |> Seq.map (fun kv -> $"{kv.Key}={kv.Value}"))

/// Point-set rows of one setting from its trials' fits.
let pointSetRows (variant: string) (settings: string) (trials: FitRow[] list) : PointSetTrials list =
    trials
    |> Array.concat
    |> Array.toList
    |> List.groupBy (fun (f: FitRow) -> f.Layer, f.Pair)
    |> List.sortBy fst
    |> List.map (fun ((layer, pair), fits) ->
        let stat (f: FitRow -> float) = meanSd (fits |> List.map f)
        let etaH, etaHSd = stat (fun f -> f.EtaH)
        let etaY, etaYSd = stat (fun f -> f.EtaY)
        let r2h, r2hSd = stat (fun f -> f.R2H)
        let r2y, r2ySd = stat (fun f -> f.R2Y)
        let r2w, r2wSd = stat (fun f -> f.R2W)
        { PointSetTrials.Variant = variant; Settings = settings; Layer = layer; Pair = pair; Trials = fits.Length
          EtaHMean = etaH; EtaHSd = etaHSd; EtaYMean = etaY; EtaYSd = etaYSd
          R2HMean = r2h; R2HSd = r2hSd; R2YMean = r2y; R2YSd = r2ySd; R2WMean = r2w; R2WSd = r2wSd })

/// Data-set rows of one setting: each trial's layer summarised (described-well fraction, median rates), then folded.
let datasetRows (variant: string) (settings: string) (trials: FitRow[] list) =
    let perTrial =
        [ for fits in trials do
            for layer, group in fits |> Array.groupBy (fun f -> f.Layer) ->
                let well = group |> Array.filter FitFrames.describedWell |> Array.length
                layer, (float well / float group.Length, FitFrames.median (group |> Seq.map (fun f -> f.EtaH)), FitFrames.median (group |> Seq.map (fun f -> f.EtaY))) ]
    perTrial
    |> List.groupBy fst
    |> List.sortBy fst
    |> List.map (fun (layer, rows) ->
        let values = rows |> List.map snd
        let well, wellSd = meanSd (values |> List.map (fun (w, _, _) -> w))
        let etaH, etaHSd = meanSd (values |> List.map (fun (_, h, _) -> h))
        let etaY, etaYSd = meanSd (values |> List.map (fun (_, _, y) -> y))
        { DatasetTrials.Variant = variant; Settings = settings; Layer = layer; Trials = values.Length
          DescribedWellMean = well; DescribedWellSd = wellSd
          EtaHMedianMean = etaH; EtaHMedianSd = etaHSd; EtaYMedianMean = etaY; EtaYMedianSd = etaYSd })

/// Each setting (variant × grid point, in sweep order) with the fits of its succeeded trials.
let settingsOf (points: RunPoint seq) (results: RunResult seq) =
    Seq.zip points results
    |> Seq.toList
    |> List.groupBy (fun (p, _) -> p.Variant, settingsText p)
    |> List.map (fun ((variant, settings), runs) ->
        let fits =
            [ for _, r in runs do
                if r.Succeeded && File.Exists r.Layout.Fits then yield TableFile.Read<FitRow>(r.Layout.Fits) |> Seq.toArray ]
        variant, settings, fits)

/// Writes trials.parquet and trials.csv in the sweep folder (the first point's family decides the columns); returns the rows.
let write (root: string) (points: RunPoint list) (results: RunResult list) =
    let path = Path.Combine(root, SweepRunner.TrialsName)
    let settings = settingsOf points results
    match points with
    | first :: _ when Families.Of first.Spec = ExperimentFamily.Dataset ->
        let rows = settings |> List.collect (fun (v, s, fits) -> datasetRows v s fits) |> List.toArray
        TableFile.Write(rows, path, true)
        rows.Length
    | _ ->
        let rows = settings |> List.collect (fun (v, s, fits) -> pointSetRows v s fits) |> List.toArray
        TableFile.Write(rows, path, true)
        rows.Length

/// The analysis's ITrialSummary, for StageSet.TrialSummary.
type TrialSummaryWriter() =
    interface ITrialSummary with
        member _.Write(root, points, results) = write root (List.ofSeq points) (List.ofSeq results)

/// The report's figures as SVG and PNG in report/figures (StaticFigures), from the same tables report.html is drawn from.
module RepAlign.Analysis.ReportFigures

open System
open RepAlign.Core.Tables
open RepAlign.Inference.Bulk
open RepAlign.Analysis.FitFrames
open RepAlign.Analysis.StaticFigures

/// Axis label of epochs.
let epochAxis = "epoch (gradient steps over the data)"

/// The four measured-against-fitted panels of one (pair, layer): (file suffix, title, y label, measured, fitted).
let private panels : (string * string * string * (CurveRow -> float) * (CurveRow -> float)) list =
    [ "h", "representational distance h", "h = ‖Δh‖² (squared activation units)", (fun r -> r.H2), (fun r -> r.H2Fit)
      "y", "output distance y", "y = ‖Δŷ‖² (squared output units)", (fun r -> r.Y2), (fun r -> r.Y2Fit)
      "w", "output alignment w", "w (squared output units)", (fun r -> r.W), (fun r -> r.WFit)
      "loss", "training loss", "loss (0.5·MSE)", (fun r -> r.Loss), (fun r -> r.LossFit) ]

/// Measured (thin) against the fitted theory (wide, pale) for one (pair, layer); the loss panel only where it was measured.
let private trajectory (folder: string) (prefix: string) (label: string) (rows: CurveRow[]) =
    let rows = rows |> Array.sortBy (fun r -> r.Epoch)
    let x = rows |> Array.map (fun r -> float r.Epoch)
    [ for suffix, title, yLabel, m, f in panels do
        let measuredY = rows |> Array.map m
        if measuredY |> Array.exists Double.IsFinite then
            yield! lines $"{label}: {title}" epochAxis yLabel false
                       [ measured "measured" x measuredY; theory "theory (fitted rates)" x (rows |> Array.map f) ]
                   |> save folder $"{prefix}-{suffix}" ]

/// Two-point runs: h, y, w and loss against the theory for every (layer, pair): layer-L-pair-P-{h,y,w,loss}.{png,svg}.
let twoPoint (folder: string) (curves: CurveRow[]) =
    [ for (layer, pair), group in curves |> Array.groupBy (fun c -> c.Layer, c.Pair) |> Array.sortBy fst do
        yield! trajectory folder $"layer-{layer}-pair-{pair}" $"layer {layer}, pair {pair}" group ]

/// The 10×10 symmetric matrix of a class-pair statistic at a layer (NaN where no fits).
let classPairMatrix (labels: int[]) (value: ClassPairSummary -> float) (pairs: ClassPairSummary[]) =
    let lookup = pairs |> Array.map (fun p -> (p.LabelLow, p.LabelHigh), value p) |> dict
    Array2D.init labels.Length labels.Length (fun i j ->
        match lookup.TryGetValue((min labels[i] labels[j], max labels[i] labels[j])) with
        | true, v when Double.IsFinite v -> v
        | _ -> nan)

/// Data-set runs: the typical pair's h, y, w at every layer, median R² per layer, the class-pair heat maps at the middle
/// layer, held-out accuracy and the training loss (each where report.html has it).
let mnist (folder: string) (fits: FitRow[]) (curves: CurveRow[]) (layers: LayerSummary[]) (classPairs: ClassPairSummary[])
          (probe: ProbeRow[]) (accuracy: AccuracyRow[]) (loss: EpochRow[]) =
    let middle = middleLayer (layers |> Seq.map (fun s -> s.Layer))
    let withCurves = curves |> Seq.map (fun c -> c.Pair) |> Set.ofSeq
    [ match middle |> Option.bind (fun m -> MnistReport.typicalPair m withCurves fits) with
      | Some (pair, _) ->
          for layer, group in curves |> Array.filter (fun c -> c.Pair = pair) |> Array.groupBy (fun c -> c.Layer) |> Array.sortBy fst do
              yield! trajectory folder $"typical-pair-layer-{layer}" $"typical pair {pair}, layer {layer}" group
      | None -> ()
      if layers.Length > 0 then
          let x offset = layers |> Array.map (fun s -> float s.Layer + offset)
          let col f = layers |> Array.map f
          yield!
              mediansWithRanges "median R² per layer (bars: interquartile range)" "hidden layer (0-based)" "R² (dimensionless)" (Some(-1.0, 1.05))
                  [ "R² of h", "#1f77b4", x -0.1, col (fun s -> s.R2HMedian), col (fun s -> s.R2HQ25), col (fun s -> s.R2HQ75)
                    "R² of y", "#ff7f0e", x 0.1, col (fun s -> s.R2YMedian), col (fun s -> s.R2YQ25), col (fun s -> s.R2YQ75) ]
              |> save folder "r2-per-layer"
      match middle with
      | Some m ->
          let atLayer = classPairs |> Array.filter (fun p -> p.Layer = m)
          if atLayer.Length > 0 then
              let labels = [| 0 .. max 9 (atLayer |> Array.map (fun p -> p.LabelHigh) |> Array.max) |]
              let names = labels |> Array.map string
              yield!
                  heatmap $"median R² of h per class pair, layer {m}" "digit class" "median R² of h (dimensionless)" names
                      (classPairMatrix labels (fun p -> p.R2HMedian) atLayer)
                  |> save folder "class-pairs-r2"
              yield!
                  heatmap $"median η_h/η_y per class pair, layer {m}" "digit class" "log10 median η_h/η_y" names
                      (classPairMatrix labels (fun p -> if p.EtaRatioMedian > 0.0 then log10 p.EtaRatioMedian else nan) atLayer)
                  |> save folder "class-pairs-rate-ratio"
      | None -> ()
      if probe.Length > 0 || accuracy.Length > 0 then
          let probeLines =
              [ for layer, rows in probe |> Array.groupBy (fun p -> p.Layer) |> Array.sortBy fst ->
                  let rows = rows |> Array.sortBy (fun p -> p.Epoch)
                  { measured $"linear probe, layer {layer}" (rows |> Array.map (fun p -> float p.Epoch)) (rows |> Array.map (fun p -> p.Accuracy)) with
                      Color = [| "#1f77b4"; "#ff7f0e"; "#2ca02c"; "#9467bd"; "#8c564b"; "#e377c2" |][layer % 6]; Markers = true } ]
          let network =
              if accuracy.Length = 0 then []
              else
                  let rows = accuracy |> Array.sortBy (fun a -> a.Epoch)
                  [ { measured "network (held out)" (rows |> Array.map (fun a -> float a.Epoch)) (rows |> Array.map (fun a -> a.Accuracy)) with
                        Color = "#000000"; Markers = true } ]
          yield! lines "held-out accuracy over epochs" epochAxis "accuracy (fraction correct)" false (probeLines @ network) |> save folder "accuracy"
      if loss.Length > 0 then
          let rows = loss |> Array.sortBy (fun l -> l.Epoch)
          yield!
              lines "training loss" epochAxis "loss (0.5·MSE, mean over mini-batches)" false
                  [ { measured "training loss" (rows |> Array.map (fun l -> float l.Epoch)) (rows |> Array.map (fun l -> l.Loss)) with Markers = true } ]
              |> save folder "loss" ]

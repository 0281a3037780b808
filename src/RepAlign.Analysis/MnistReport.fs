/// The report of a data-set (MNIST) run: how many pairs the theory describes well, at which layers and for which
/// digit classes, a typical pair's trajectories against its fit, the probe accuracy and the training loss.
module RepAlign.Analysis.MnistReport

open System
open System.Globalization
open Plotly.NET
open RepAlign.Core.Specs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Spec
open RepAlign.Analysis.HtmlPage
open RepAlign.Analysis.FitFrames

let private percent (x: float) =
    if Double.IsNaN x then "–" else (100.0 * x).ToString("F1", CultureInfo.InvariantCulture) + "%"

let private row (charts: GenericChart list) =
    "<div style=\"display:flex;flex-wrap:wrap\">" + (charts |> List.map chart |> String.concat "") + "</div>"

/// The pair whose R² of h at the layer is closest to that layer's median R² of h, among the candidate pairs
/// (those with curves); ties go to the lower pair index. None when no candidate has a finite R².
let typicalPair (layer: int) (candidates: Set<int>) (fits: FitRow seq) =
    let atLayer = fits |> Seq.filter (fun f -> f.Layer = layer) |> Seq.toArray
    let med = atLayer |> Seq.map (fun f -> f.R2H) |> median
    if Double.IsNaN med then None
    else
        atLayer
        |> Array.filter (fun f -> candidates.Contains f.Pair && Double.IsFinite f.R2H)
        |> Array.sortBy (fun f -> abs (f.R2H - med), f.Pair)
        |> Array.tryHead
        |> Option.map (fun f -> f.Pair, med)

let private measuredVsFitted (title: string) = TwoPointReport.measuredVsFittedChart 1000 (380, 300) title ""

/// A 10×10 (labels × labels) symmetric heat map of one class-pair statistic; cells without fits are empty.
let private heatmap (title: string) (labels: int[]) (value: ClassPairSummary -> float) (pairs: ClassPairSummary[]) =
    let lookup = pairs |> Array.map (fun p -> (p.LabelLow, p.LabelHigh), value p) |> dict
    let cell i j =
        match lookup.TryGetValue((min i j, max i j)) with
        | true, v when Double.IsFinite v -> v
        | _ -> nan
    let z = labels |> Array.map (fun i -> labels |> Array.map (fun j -> cell i j))
    let names = labels |> Array.map string
    Chart.Heatmap(zData = z, X = names, Y = names, ColorScale = StyleParam.Colorscale.Viridis)
    |> styled title "label" "label" (520, 460)

let private summarySection (fits: FitRow[]) (layers: LayerSummary[]) (accuracy: AccuracyRow[]) =
    let pairs = fits |> Seq.map (fun f -> f.Pair) |> Seq.distinct |> Seq.length
    let rows =
        [ [ "pairs fitted"; string pairs ]
          [ "hidden layers"; string layers.Length ]
          [ "(pair, layer) fits"; string fits.Length ] ]
        @ [ for s in layers -> [ $"layer {s.Layer}: described well"; $"{percent s.DescribedWell} of {s.Pairs}" ] ]
        @ (match accuracy |> Array.sortBy (fun a -> a.Epoch) |> Array.tryLast with
           | Some last -> [ [ $"held-out accuracy at epoch {last.Epoch}"; $"{percent last.Accuracy} of {last.Images} images" ] ]
           | None -> [])
    { Heading = "Summary"
      Text = $"How many digit pairs were fitted at how many layers, the fraction the theory describes well at each layer (fit converged with R² of h and of y both ≥ {DescribedWellR2.ToString(CultureInfo.InvariantCulture)}), and the network's final held-out accuracy."
      Body = table [ "quantity"; "value" ] rows }

let private typicalPairSection (fits: FitRow[]) (curves: CurveRow[]) (middle: int) =
    let withCurves = curves |> Seq.map (fun c -> c.Pair) |> Set.ofSeq
    match typicalPair middle withCurves fits with
    | None -> None
    | Some (pair, med) ->
        let fit = fits |> Array.find (fun f -> f.Pair = pair && f.Layer = middle)
        let byLayer =
            curves
            |> Array.filter (fun c -> c.Pair = pair)
            |> Array.groupBy (fun c -> c.Layer)
            |> Array.sortBy fst
        let body =
            byLayer
            |> Array.map (fun (layer, rows) ->
                let rows = rows |> Array.sortBy (fun c -> c.Epoch)
                let r2 = fits |> Array.tryFind (fun f -> f.Pair = pair && f.Layer = layer) |> Option.map (fun f -> fmt f.R2H) |> Option.defaultValue "–"
                $"<h3>Layer {layer} (R² of h {r2})</h3>"
                + row [ measuredVsFitted $"layer {layer}: h = ‖dh‖²" rows (fun r -> r.H2) (fun r -> r.H2Fit)
                        measuredVsFitted $"layer {layer}: y = ‖dŷ‖²" rows (fun r -> r.Y2) (fun r -> r.Y2Fit)
                        measuredVsFitted $"layer {layer}: alignment w" rows (fun r -> r.W) (fun r -> r.WFit) ])
            |> String.concat ""
        Some
            { Heading = $"A typical pair: digit {fit.LabelA} (image {fit.A}) against digit {fit.LabelB} (image {fit.B})"
              Text = $"Pair {pair}'s measured h, y and w at every layer (solid) against the theory integrated from its first epoch with the fitted rates (dashed); it is the pair whose R² of h at the middle layer {middle} ({fmt fit.R2H}) is closest to that layer's median ({fmt med}), so it shows a typical fit, not the best one."
              Body = body }

let private layerQualitySection (layers: LayerSummary[]) =
    // h and y side by side at each layer (offset ±0.1) so their interquartile bars do not hide each other
    let medianWithIqr (name: string) (color: string) (offset: float) (med: LayerSummary -> float) (q25: LayerSummary -> float) (q75: LayerSummary -> float) =
        let x = layers |> Array.map (fun s -> float s.Layer + offset)
        Chart.Point(x = x, y = (layers |> Array.map med), Name = name, MarkerColor = Color.fromString color)
        |> Chart.withYErrorStyle (
            Array = (layers |> Array.map (fun s -> q75 s - med s)),
            Arrayminus = (layers |> Array.map (fun s -> med s - q25 s)),
            Symmetric = false)
    let chartHtml =
        [ medianWithIqr "R² of h" "#1f77b4" -0.1 (fun s -> s.R2HMedian) (fun s -> s.R2HQ25) (fun s -> s.R2HQ75)
          medianWithIqr "R² of y" "#ff7f0e" 0.1 (fun s -> s.R2YMedian) (fun s -> s.R2YQ25) (fun s -> s.R2YQ75) ]
        |> Chart.combine
        |> Chart.withTitle "median R² per layer (bars: interquartile range; axis clipped to [−1, 1])"
        |> Chart.withXAxis (LayoutObjects.LinearAxis.init (Title = Title.init "hidden layer", DTick = 1))
        |> Chart.withYAxisStyle ("R²", MinMax = (-1.0, 1.05))
        |> Chart.withSize (700, 400)
        |> chart
    let header =
        [ "layer"; "pairs"; "converged"; "described well"; "median η_h"; "median η_y"; "median η_h/η_y"; "IQR η_h/η_y"
          "median R² h"; "median R² y"; "median R² w"; "median |Δh(∞)|/h(∞)"; "rich"; "intermediate"; "lazy"; "undetermined" ]
    let cells (s: LayerSummary) =
        [ string s.Layer; string s.Pairs; string s.Converged; percent s.DescribedWell; fmt s.EtaHMedian; fmt s.EtaYMedian
          fmt s.EtaRatioMedian; $"{fmt s.EtaRatioQ25} – {fmt s.EtaRatioQ75}"; fmt s.R2HMedian; fmt s.R2YMedian; fmt s.R2WMedian
          fmt s.HInfRelErrMedian; string s.Rich; string s.Intermediate; string s.Lazy; string s.Undetermined ]
    { Heading = "Fit quality per layer"
      Text = "The median and interquartile range of R² of h and of y at each hidden layer, and the layer summary table (rates, the relative error of the predicted final distance h(∞) and the regime counts)."
      Body = chartHtml + table header (layers |> Array.map cells |> Array.toList) }

let private classPairSection (classPairs: ClassPairSummary[]) (middle: int) =
    let atLayer = classPairs |> Array.filter (fun p -> p.Layer = middle)
    if atLayer.Length = 0 then None
    else
        let top = atLayer |> Array.map (fun p -> p.LabelHigh) |> Array.max
        let labels = [| 0 .. max 9 top |]
        let r2 = heatmap $"median R² of h, layer {middle}" labels (fun p -> p.R2HMedian) atLayer
        let ratio = heatmap $"log10 median η_h/η_y, layer {middle}" labels (fun p -> if p.EtaRatioMedian > 0.0 then log10 p.EtaRatioMedian else nan) atLayer
        Some
            { Heading = $"Class pairs at layer {middle}"
              Text = $"For every pair of digit classes at the middle layer {middle}, the median R² of h and the log10 of the median η_h/η_y of its pairs (symmetric; the diagonal holds same-class pairs where there are any, empty cells had no fits)."
              Body = row [ r2; ratio ] }

let private accuracySection (probe: ProbeRow[]) (accuracy: AccuracyRow[]) =
    if probe.Length = 0 && accuracy.Length = 0 then None
    else
        let probeLines =
            probe
            |> Array.groupBy (fun p -> p.Layer)
            |> Array.sortBy fst
            |> Array.map (fun (layer, rows) ->
                let rows = rows |> Array.sortBy (fun p -> p.Epoch)
                Chart.Line(x = (rows |> Array.map (fun p -> p.Epoch)), y = (rows |> Array.map (fun p -> p.Accuracy)), Name = $"linear probe, layer {layer}", ShowMarkers = true))
            |> Array.toList
        let network =
            if accuracy.Length = 0 then []
            else
                let rows = accuracy |> Array.sortBy (fun a -> a.Epoch)
                [ Chart.Line(x = (rows |> Array.map (fun a -> a.Epoch)), y = (rows |> Array.map (fun a -> a.Accuracy)), Name = "network (held out)",
                             LineColor = Color.fromString "black", LineDash = StyleParam.DrawingStyle.Dash, ShowMarkers = true) ]
        let c =
            probeLines @ network
            |> Chart.combine
            |> styled "held-out accuracy over epochs" "epoch" "accuracy" (700, 420)
        Some
            { Heading = "Decodability and accuracy"
              Text = "Held-out accuracy of a linear classifier trained on each layer's representation at every checkpoint, and of the network itself, over epochs."
              Body = chart c }

let private lossSection (loss: EpochRow[]) =
    if loss.Length = 0 then None
    else
        let rows = loss |> Array.sortBy (fun l -> l.Epoch)
        let c =
            Chart.Line(x = (rows |> Array.map (fun l -> l.Epoch)), y = (rows |> Array.map (fun l -> l.Loss)), Name = "training loss", ShowMarkers = true)
            |> styled "training loss" "epoch" "0.5·MSE" (700, 380)
        Some
            { Heading = "Training loss"
              Text = "The mean training loss (0.5·MSE over the epoch's mini-batches) of each epoch."
              Body = chart c }

/// Renders report.html of a data-set run and returns the HTML. Curves, probe, accuracy and loss may be empty
/// (the file was not written); their sections are then left out.
let render (spec: ExperimentSpec) (fits: FitRow[]) (curves: CurveRow[]) (layers: LayerSummary[]) (classPairs: ClassPairSummary[])
           (probe: ProbeRow[]) (accuracy: AccuracyRow[]) (loss: EpochRow[]) : string =
    let middle = middleLayer (layers |> Seq.map (fun s -> s.Layer))
    let sections =
        [ yield summarySection fits layers accuracy
          match middle with
          | Some m ->
              match typicalPairSection fits curves m with
              | Some s -> yield s
              | None -> ()
          | None -> ()
          if layers.Length > 0 then yield layerQualitySection layers
          match middle |> Option.bind (classPairSection classPairs) with
          | Some s -> yield s
          | None -> ()
          match accuracySection probe accuracy with
          | Some s -> yield s
          | None -> ()
          match lossSection loss with
          | Some s -> yield s
          | None -> () ]
    let title = if String.IsNullOrEmpty spec.Report.Title then $"RepAlign — {spec.Name}" else spec.Report.Title
    let m = spec.Model
    let subtitle =
        let kind, act, opt = SnakeCase.Of m.Kind, SnakeCase.Of m.Activation, SnakeCase.Of spec.Train.Optimizer
        $"{SnakeCase.Of spec.Data.Kind} ({spec.Data.Path}); {kind} {m.Depth}×{m.Width}, {act}, gain {m.Gain}; {opt} lr {spec.Train.Lr}, batch {spec.Train.Batch}, {spec.Train.Epochs} epochs, seed {spec.Train.Seed}. "
        + $"A pair is described well when its fit converged with R² of h and of y both ≥ {DescribedWellR2.ToString(CultureInfo.InvariantCulture)}; η = 1/(2τ) under the 0.5·MSE loss."
    render title subtitle sections

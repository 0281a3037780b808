/// The report of a data-set (MNIST) run: how many pairs the theory describes well, at which layers and for which
/// digit classes, a typical pair's trajectories against its fit, the probe accuracy and the training loss. Every
/// figure is a Figure value: the page draws it with Plotly, report/figures holds it as SVG and PNG.
module RepAlign.Analysis.DatasetReport

open System
open System.Globalization
open RepAlign.Core.Specs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Spec
open RepAlign.Analysis.Figure
open RepAlign.Analysis.HtmlPage
open RepAlign.Analysis.FitFrames

/// The tables a data-set report is drawn from; curves, probe, accuracy and loss may be empty (not written).
type Inputs =
    { Fits: FitRow[]
      Curves: CurveRow[]
      Layers: LayerSummary[]
      ClassPairs: ClassPairSummary[]
      Probe: ProbeRow[]
      Accuracy: AccuracyRow[]
      Loss: EpochRow[] }

let private percent (x: float) =
    if Double.IsNaN x then "–" else (100.0 * x).ToString("F1", CultureInfo.InvariantCulture) + "%"

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

/// The symmetric matrix of a class-pair statistic over the labels (NaN where no fits).
let classPairMatrix (labels: int[]) (value: ClassPairSummary -> float) (pairs: ClassPairSummary[]) =
    let lookup = pairs |> Array.map (fun p -> (p.LabelLow, p.LabelHigh), value p) |> dict
    Array2D.init labels.Length labels.Length (fun i j ->
        match lookup.TryGetValue((min labels[i] labels[j], max labels[i] labels[j])) with
        | true, v when Double.IsFinite v -> v
        | _ -> nan)

let private summarySection (inputs: Inputs) =
    let pairs = inputs.Fits |> Seq.map (fun f -> f.Pair) |> Seq.distinct |> Seq.length
    let rows =
        [ [ "pairs fitted"; string pairs ]
          [ "hidden layers"; string inputs.Layers.Length ]
          [ "(pair, layer) fits"; string inputs.Fits.Length ] ]
        @ [ for s in inputs.Layers -> [ $"layer {s.Layer}: described well"; $"{percent s.DescribedWell} of {s.Pairs}" ] ]
        @ (match inputs.Accuracy |> Array.sortBy (fun a -> a.Epoch) |> Array.tryLast with
           | Some last -> [ [ $"held-out accuracy at epoch {last.Epoch}"; $"{percent last.Accuracy} of {last.Images} images" ] ]
           | None -> [])
    { Heading = "Summary"
      Text = $"How many digit pairs were fitted at how many layers, the fraction the theory describes well at each layer (fit converged with R² of h and of y both ≥ {DescribedWellR2.ToString(CultureInfo.InvariantCulture)}), and the network's final held-out accuracy."
      Blocks = [ Table([ "quantity"; "value" ], rows) ] }

let private typicalPairSection (inputs: Inputs) (middle: int) =
    let withCurves = inputs.Curves |> Seq.map (fun c -> c.Pair) |> Set.ofSeq
    typicalPair middle withCurves inputs.Fits
    |> Option.map (fun (pair, med) ->
        let fit = inputs.Fits |> Array.find (fun f -> f.Pair = pair && f.Layer = middle)
        let layers = inputs.Curves |> Array.filter (fun c -> c.Pair = pair) |> Array.map (fun c -> c.Layer) |> Array.distinct |> Array.sort
        let blocks =
            [ for layer in layers do
                let rows = Trajectories.rowsOf pair layer inputs.Curves
                let r2 = inputs.Fits |> Array.tryFind (fun f -> f.Pair = pair && f.Layer = layer) |> Option.map (fun f -> fmt f.R2H) |> Option.defaultValue "–"
                yield Html $"<h3>Layer {layer} (R² of h {r2})</h3>"
                yield Figures
                    [ for q in [ Trajectories.h; Trajectories.y; Trajectories.w; Trajectories.loss ] do
                        if Trajectories.isMeasured q rows then
                            yield Trajectories.figure $"typical-pair-layer-{layer}-{q.Key}" $"layer {layer}: {q.Title}" (400, 320) q rows ] ]
        { Heading = $"A typical pair: digit {fit.LabelA} (image {fit.A}) against digit {fit.LabelB} (image {fit.B})"
          Text = $"Pair {pair}'s measured h, y and w at every layer against the theory integrated from its first epoch with the fitted rates (dashed); it is the pair whose R² of h at the middle layer {middle} ({fmt fit.R2H}) is closest to that layer's median ({fmt med}), so it shows a typical fit, not the best one."
          Blocks = blocks })

let private layerQualitySection (layers: LayerSummary[]) =
    // h and y side by side at each layer (offset ±0.1) so their interquartile bars do not hide each other
    let series name color (offset: float) (med: LayerSummary -> float) (q25: LayerSummary -> float) (q75: LayerSummary -> float) =
        ErrorPoints
            { Name = name; Color = color
              X = layers |> Array.map (fun s -> float s.Layer + offset)
              Y = layers |> Array.map med
              Below = layers |> Array.map (fun s -> med s - q25 s)
              Above = layers |> Array.map (fun s -> q75 s - med s) }
    let chart =
        { Figure.figure "r2-per-layer" "median R² per layer (bars: interquartile range; axis clipped to [−1, 1])"
              { linear "hidden layer (0-based)" with IntegerTicks = true } { linear "R² (dimensionless)" with Range = Some(-1.0, 1.05) } (700, 400)
              [ series "R² of h" (colour 0) -0.1 (fun s -> s.R2HMedian) (fun s -> s.R2HQ25) (fun s -> s.R2HQ75)
                series "R² of y" (colour 1) 0.1 (fun s -> s.R2YMedian) (fun s -> s.R2YQ25) (fun s -> s.R2YQ75) ]
            with Legend = LowerRight }
    let header =
        [ "layer"; "pairs"; "converged"; "described well"; "median η_h"; "median η_y"; "median η_h/η_y"; "IQR η_h/η_y"
          "median R² h"; "median R² y"; "median R² w"; "median |Δh(∞)|/h(∞)"; "rich"; "intermediate"; "lazy"; "undetermined" ]
    let cells (s: LayerSummary) =
        [ string s.Layer; string s.Pairs; string s.Converged; percent s.DescribedWell; fmt s.EtaHMedian; fmt s.EtaYMedian
          fmt s.EtaRatioMedian; $"{fmt s.EtaRatioQ25} – {fmt s.EtaRatioQ75}"; fmt s.R2HMedian; fmt s.R2YMedian; fmt s.R2WMedian
          fmt s.HInfRelErrMedian; string s.Rich; string s.Intermediate; string s.Lazy; string s.Undetermined ]
    { Heading = "Fit quality per layer"
      Text = "The median and interquartile range of R² of h and of y at each hidden layer, and the layer summary table (rates, the relative error of the predicted final distance h(∞) and the regime counts)."
      Blocks = [ Figures [ chart ]; Table(header, layers |> Array.map cells |> Array.toList) ] }

let private classPairSection (classPairs: ClassPairSummary[]) (middle: int) =
    let atLayer = classPairs |> Array.filter (fun p -> p.Layer = middle)
    if atLayer.Length = 0 then None
    else
        let labels = [| 0 .. max 9 (atLayer |> Array.map (fun p -> p.LabelHigh) |> Array.max) |]
        let heatmap name title valueLabel value =
            Figure.figure name title (linear "digit class") (linear "digit class") (520, 460)
                [ Heatmap { Matrix = classPairMatrix labels value atLayer; Labels = labels |> Array.map string
                            ValueLabel = valueLabel; ColourScale = Viridis; Range = None } ]
        Some
            { Heading = $"Class pairs at layer {middle}"
              Text = $"For every pair of digit classes at the middle layer {middle}, the median R² of h and the log10 of the median η_h/η_y of its pairs (symmetric; the diagonal holds same-class pairs where there are any, empty cells had no fits)."
              Blocks =
                [ Figures
                    [ heatmap "class-pairs-r2" $"median R² of h per class pair, layer {middle}" "median R² of h (dimensionless)" (fun p -> p.R2HMedian)
                      heatmap "class-pairs-rate-ratio" $"median η_h/η_y per class pair, layer {middle}" "log10 median η_h/η_y"
                          (fun p -> if p.EtaRatioMedian > 0.0 then log10 p.EtaRatioMedian else nan) ] ] }

let private accuracySection (probe: ProbeRow[]) (accuracy: AccuracyRow[]) =
    if probe.Length = 0 && accuracy.Length = 0 then None
    else
        let probeLines =
            [ for layer, rows in probe |> Array.groupBy (fun p -> p.Layer) |> Array.sortBy fst ->
                let rows = rows |> Array.sortBy (fun p -> p.Epoch)
                measured $"linear probe, layer {layer}" (rows |> Array.map (fun p -> float p.Epoch)) (rows |> Array.map (fun p -> p.Accuracy))
                |> withColour (colour layer) |> withMarkers ]
        let network =
            [ if accuracy.Length > 0 then
                let rows = accuracy |> Array.sortBy (fun a -> a.Epoch)
                yield Line { Name = "network (held out)"; X = rows |> Array.map (fun a -> float a.Epoch); Y = rows |> Array.map (fun a -> a.Accuracy)
                             Color = "#000000"; Role = Reference; Markers = true } ]
        Some
            { Heading = "Decodability and accuracy"
              Text = "Held-out accuracy of a linear classifier trained on each layer's representation at every checkpoint, and of the network itself (dashed), over epochs."
              Blocks =
                [ Figures [ Figure.figure "accuracy" "held-out accuracy over epochs" (linear Trajectories.epochAxis) (linear "accuracy (fraction correct)") (700, 420) (probeLines @ network) ] ] }

let private lossSection (loss: EpochRow[]) =
    if loss.Length = 0 then None
    else
        let rows = loss |> Array.sortBy (fun l -> l.Epoch)
        Some
            { Heading = "Training loss"
              Text = "The mean training loss (0.5·MSE over the epoch's mini-batches) of each epoch."
              Blocks =
                [ Figures
                    [ Figure.figure "loss" "training loss" (linear Trajectories.epochAxis) (linear "loss (0.5·MSE, mean over mini-batches)") (700, 380)
                          [ measured "training loss" (rows |> Array.map (fun l -> float l.Epoch)) (rows |> Array.map (fun l -> l.Loss)) |> withMarkers ] ] ] }

/// The report's sections: summary, typical pair, fit quality per layer, class pairs, accuracy and loss (each left out
/// when its table is empty).
let sections (inputs: Inputs) : Section list =
    let middle = middleLayer (inputs.Layers |> Seq.map (fun s -> s.Layer))
    [ yield summarySection inputs
      yield! middle |> Option.bind (typicalPairSection inputs) |> Option.toList
      if inputs.Layers.Length > 0 then yield layerQualitySection inputs.Layers
      yield! middle |> Option.bind (classPairSection inputs.ClassPairs) |> Option.toList
      yield! accuracySection inputs.Probe inputs.Accuracy |> Option.toList
      yield! lossSection inputs.Loss |> Option.toList ]

/// The page's title and subtitle.
let titles (spec: ExperimentSpec) =
    let title = if String.IsNullOrEmpty spec.Report.Title then $"RepAlign — {spec.Name}" else spec.Report.Title
    let m = spec.Model
    let kind, act, opt = SnakeCase.Of m.Kind, SnakeCase.Of m.Activation, SnakeCase.Of spec.Train.Optimizer
    title,
    $"{SnakeCase.Of spec.Data.Kind} ({spec.Data.Path}); {kind} {m.Depth}×{m.Width}, {act}, gain {m.Gain}; {opt} lr {spec.Train.Lr}, batch {spec.Train.Batch}, {spec.Train.Epochs} epochs, seed {spec.Train.Seed}. "
    + $"A pair is described well when its fit converged with R² of h and of y both ≥ {DescribedWellR2.ToString(CultureInfo.InvariantCulture)}; η = 1/(2τ) under the 0.5·MSE loss."

/// Renders report.html of a data-set run and returns the HTML.
let render (spec: ExperimentSpec) (inputs: Inputs) =
    let title, subtitle = titles spec
    HtmlPage.render title subtitle (sections inputs)

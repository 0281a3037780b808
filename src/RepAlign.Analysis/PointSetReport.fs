/// The report of a point-set run (two points, XOR, context blobs, and the points of sweeps built on them): it speaks
/// of points and pairs of points. The fit table; the squared distances between the points over time, measured against
/// the fitted theory; predicted against measured final distances; each pair's h, y and w against the theory; the loss;
/// and, where the points carry named features, a 3-D MDS of the hidden layer at the last checkpoint.
module RepAlign.Analysis.PointSetReport

open System
open RepAlign.Core.Data
open RepAlign.Core.Specs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Spec
open RepAlign.Analysis.HtmlPage
open RepAlign.Analysis.PointSetFigures

/// The hidden layer at the last checkpoint for the MDS view: the layer, the checkpoint's epoch, the points shown and
/// their 3-D coordinates.
type Mds = { Layer: int; Epoch: int; Shown: int[]; Coordinates: float[,] }

/// What a point-set report is drawn from; Metrics may be empty (then the measured values come from fit/curves).
type Inputs =
    { Points: PointSet
      Fits: FitRow[]
      Curves: CurveRow[]
      Metrics: MetricRow[]
      Mds: Mds option }

let private fitTable (inputs: Inputs) =
    let columns = [ "layer"; "pair"; "points"; "eta_h"; "eta_y"; "eta_ybar"; "fit_loss"; "r2_h"; "r2_y"; "r2_w"; "C"; "h_inf_pred"; "h_inf_obs"; "regime"; "status" ]
    let cell (r: FitRow) =
        [ string r.Layer; string r.Pair; $"{pointLabel inputs.Points r.A}–{pointLabel inputs.Points r.B}"; fmt r.EtaH; fmt r.EtaY; fmt r.EtaYbar
          fmt r.FitLoss; fmt r.R2H; fmt r.R2Y; fmt r.R2W; fmt r.C; fmt r.HInfPred; fmt r.HInfObs; r.Regime; r.Status ]
    let medianR2 = inputs.Fits |> Seq.map (fun f -> f.R2H) |> FitFrames.median
    { Heading = "Fitted effective learning rates"
      Text = $"One row per tracked layer and pair of points. S is the paper's objective (sum of squared residuals of h, y and w); R² per variable; regime from A_low/|A_high|. Median R² of h: {fmt medianR2}."
      Blocks = [ Table(columns, inputs.Fits |> Array.sortBy (fun f -> f.Layer, f.Pair) |> Array.map cell |> Array.toList) ] }

/// Measured ‖Δh‖² of (layer, pair) at an epoch: from train/metrics, or from fit/curves when there are no metrics.
let private measuredAt (inputs: Inputs) =
    let table =
        if inputs.Metrics.Length > 0 then inputs.Metrics |> Array.map (fun m -> (m.Layer, m.Pair, m.Epoch), m.H2)
        else inputs.Curves |> Array.map (fun c -> (c.Layer, c.Pair, c.Epoch), c.H2)
    let lookup = dict table
    fun layer pair epoch -> match lookup.TryGetValue((layer, pair, epoch)) with | true, v -> v | _ -> nan

let private distancesSection (inputs: Inputs) =
    let measured = measuredAt inputs
    let fitted = inputs.Curves |> Array.map (fun c -> (c.Layer, c.Pair, c.Epoch), c.H2Fit) |> dict
    let predicted layer pair epoch = match fitted.TryGetValue((layer, pair, epoch)) with | true, v -> v | _ -> nan
    let pairs = Array.init inputs.Points.Pairs.Count id
    let blocks =
        [ for layer, rows in inputs.Curves |> Array.groupBy (fun c -> c.Layer) |> Array.sortBy fst do
            let epochs = fewEpochs (rows |> Array.map (fun c -> c.Epoch) |> Array.distinct |> Array.sort)
            match matrixPoints inputs.Points with
            | Some points ->
                for e in epochs do
                    yield Figures(distanceMatrices layer e inputs.Points points (fun p -> measured layer p e) (fun p -> predicted layer p e))
            | None ->
                yield Figures
                    [ distancesAtEpochs layer
                          [ for e in epochs -> e, pairs |> Array.map (fun p -> measured layer p e), pairs |> Array.map (fun p -> predicted layer p e) ] ] ]
    let how =
        match matrixPoints inputs.Points with
        | Some points -> $"the {points.Length} × {points.Length} matrix of squared distances between the points"
        | None -> $"the squared distance of each of the {pairs.Length} tracked pairs (the pairs do not join every two of their points, so there is no matrix), theory against measured"
    { Heading = "Distances between the points over time"
      Text = $"At the first, a middle and the last fitted epoch of each tracked layer: {how}. Measured: in the network before that epoch's update (train/metrics). Theory: each pair's 3-D system integrated from its measured initial state with its fitted rates (fit/curves)."
      Blocks = blocks }

let private finalSection (inputs: Inputs) =
    { Heading = "Final distances: theory against network"
      Text = "For every tracked pair and layer, the final distance h(∞) the fitted theory predicts against the h measured at the last epoch. On the grey identity line the prediction is exact; a run stopped early has not reached h(∞)."
      Blocks = [ Figures [ finalDistances inputs.Points inputs.Fits ] ] }

let private pairsSection (inputs: Inputs) =
    let all = inputs.Curves |> Array.map (fun c -> c.Pair) |> Array.distinct |> Array.sort
    let drawn = drawnPairs all
    let shown = if drawn.Length = all.Length then "every tracked pair" else $"{drawn.Length} of the {all.Length} tracked pairs, evenly spread (the table lists all)"
    { Heading = "Pairs: h, y and w against the theory"
      Text = $"For {shown}: the measured h, y and w at every fitted epoch (solid) against the theory integrated from the measured initial state with the pair's fitted rates (dashed)."
      Blocks =
        [ for layer in inputs.Curves |> Array.map (fun c -> c.Layer) |> Array.distinct |> Array.sort ->
            Figures [ for q in [ Trajectories.h; Trajectories.y; Trajectories.w ] -> pairTrajectories inputs.Points layer q inputs.Curves drawn ] ] }

let private lossSection (lossAxis: string) (inputs: Inputs) =
    { Heading = "Training loss"
      Text = "The training loss at every epoch (before its update) and, where the loss was fitted, the analytic loss curve at the fitted rates (dashed)."
      Blocks = [ Figures [ lossCurve lossAxis inputs.Metrics inputs.Curves ] ] }

let private mdsSection (inputs: Inputs) (mds: Mds) =
    { Heading = $"The hidden layer at the last checkpoint (MDS, layer {mds.Layer}, epoch {mds.Epoch})"
      Text = $"A 3-D classical MDS of the squared distances between the hidden rows of {mds.Shown.Length} of the {inputs.Points.Count} points (every {max 1 (inputs.Points.Count / mds.Shown.Length)}th), coloured by context and by each feature. The SVG and PNG files show the first two dimensions."
      Blocks = [ Figures(MdsView.figures "mds-" "" inputs.Points mds.Shown mds.Coordinates) ] }

/// The loss axis label for the run's loss (0.5·MSE or MSE).
let lossAxis (spec: ExperimentSpec) =
    if spec.Train.Loss = LossKind.Mse then "loss (MSE)" else "loss (0.5·MSE)"

/// The report's sections: the distance and final-distance views need two pairs or more; the MDS view needs Mds.
let sections (spec: ExperimentSpec) (inputs: Inputs) : Section list =
    [ yield fitTable inputs
      if inputs.Points.Pairs.Count >= 2 && inputs.Curves.Length > 0 then
          yield distancesSection inputs
          yield finalSection inputs
      if inputs.Curves.Length > 0 then yield pairsSection inputs
      if inputs.Metrics.Length > 0 || inputs.Curves.Length > 0 then yield lossSection (lossAxis spec) inputs
      yield! inputs.Mds |> Option.map (mdsSection inputs) |> Option.toList ]

/// The page's title and subtitle: the data set, its points and pairs, the network and its training.
let titles (spec: ExperimentSpec) (points: PointSet) =
    let title = if String.IsNullOrEmpty spec.Report.Title then $"RepAlign — {spec.Name}" else spec.Report.Title
    let m = spec.Model
    let kind, act, opt = SnakeCase.Of m.Kind, SnakeCase.Of m.Activation, SnakeCase.Of spec.Train.Optimizer
    let distances =
        if points.Pairs.Count = 1 then $"; dx² = {fmt points.PairDx2[0]}, dy² = {fmt points.PairDy2[0]}" else ""
    let pairs = if points.Pairs.Count = 1 then "1 tracked pair" else $"{points.Pairs.Count} tracked pairs"
    title,
    $"{SnakeCase.Of spec.Data.Kind}: {points.Count} points, {pairs}{distances}; {kind} {m.Depth}×{m.Width}, {act}, gain {m.Gain}; {opt} lr {spec.Train.Lr}, {spec.Train.Epochs} epochs, seed {spec.Train.Seed}; η = 1/(2τ) under the 0.5·MSE loss."

/// Renders report.html of a point-set run and returns the HTML.
let render (spec: ExperimentSpec) (inputs: Inputs) =
    let title, subtitle = titles spec inputs.Points
    HtmlPage.render title subtitle (sections spec inputs)

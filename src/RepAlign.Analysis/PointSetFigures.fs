/// The figures of a point-set run (two points, XOR, context blobs): squared distances between points measured in
/// the network (train/metrics) against the theory fitted to each pair (fit/curves), per-pair trajectories and the loss.
module RepAlign.Analysis.PointSetFigures

open System
open System.Globalization
open RepAlign.Core.Data
open RepAlign.Core.Tables
open RepAlign.Analysis.Figure

/// The most pairs drawn in one trajectory figure (more are unreadable); the fit table lists every pair.
let maxPairsDrawn = 6

/// A point's label: its input coordinates when there are at most three ("(0,1)"), else "point i".
let pointLabel (set: PointSet) (i: int) =
    if set.InputDim <= 3 then
        let cells = set.XRow(i).ToArray() |> Array.map (fun v -> (float v).ToString("G3", CultureInfo.InvariantCulture))
        "(" + String.Join(",", cells) + ")"
    else $"point {i}"

/// A pair's label: "pair p (a–b)".
let pairLabel (set: PointSet) (pair: int) =
    let struct (a, b) = set.Pairs[pair]
    if set.InputDim <= 3 then $"pair {pair}: {pointLabel set a}–{pointLabel set b}" else $"pair {pair} ({a}–{b})"

/// The points the tracked pairs join, when the pairs are every pair of them (a distance matrix to draw); None when
/// they are not (context blobs track disjoint pairs).
let matrixPoints (set: PointSet) =
    let points = set.Pairs |> Seq.collect (fun (struct (a, b)) -> [ a; b ]) |> Seq.distinct |> Seq.sort |> Seq.toArray
    let distinct = set.Pairs |> Seq.map (fun (struct (a, b)) -> min a b, max a b) |> Seq.distinct |> Seq.length
    if distinct = points.Length * (points.Length - 1) / 2 then Some points else None

/// A few epochs to compare at: the first, middle and last of the given (sorted, distinct) epochs.
let fewEpochs (epochs: int[]) =
    if epochs.Length = 0 then [||] else [| epochs[0]; epochs[epochs.Length / 2]; epochs[epochs.Length - 1] |] |> Array.distinct

/// ‖Δh‖² axis label.
let hAxis = Trajectories.h.Axis

/// Measured and predicted squared distance matrices at one epoch, on one colour range so they compare.
let distanceMatrices (layer: int) (epoch: int) (set: PointSet) (points: int[]) (measured: int -> float) (predicted: int -> float) =
    let index = points |> Array.indexed |> Array.map (fun (k, p) -> p, k) |> dict
    let matrix (value: int -> float) =
        let m = Array2D.zeroCreate points.Length points.Length
        set.Pairs |> Seq.iteri (fun pair (struct (a, b)) ->
            let i, j = index[a], index[b]
            m[i, j] <- value pair
            m[j, i] <- value pair)
        m
    let m, p = matrix measured, matrix predicted
    let finite = Seq.append (Seq.cast<float> m) (Seq.cast<float> p) |> Seq.filter Double.IsFinite |> Seq.toArray
    let range = if finite.Length = 0 then None else Some(min 0.0 (Array.min finite), max 1e-12 (Array.max finite))
    let labels = points |> Array.map (pointLabel set)
    let heat name title matrix =
        Figure.figure name title (linear "point (input)") (linear "point (input)") (420, 380)
            [ Heatmap { Matrix = matrix; Labels = labels; ValueLabel = "‖Δh‖² (squared activation units)"; ColourScale = Viridis; Range = range } ]
    [ heat $"distances-layer-{layer}-epoch-{epoch}-measured" $"measured ‖Δh‖², layer {layer}, epoch {epoch}" m
      heat $"distances-layer-{layer}-epoch-{epoch}-predicted" $"theory ‖Δh‖², layer {layer}, epoch {epoch}" p ]

/// Theory against measured squared distance of every pair, one series per epoch, with the identity line: the
/// distance view when the tracked pairs are not every pair of their points.
let distancesAtEpochs (layer: int) (epochs: (int * float[] * float[]) list) =
    let all = epochs |> List.collect (fun (_, m, p) -> List.ofArray (Array.append m p))
    Figure.figure $"distances-layer-{layer}" $"theory against measured ‖Δh‖² of every pair, layer {layer}"
        (linear "measured ‖Δh‖² (squared activation units)") (linear "theory ‖Δh‖² (squared activation units)") (560, 460)
        [ yield identity "identity (theory = measured)" all
          for i, (epoch, m, p) in List.indexed epochs ->
              Points { Name = $"epoch {epoch}"; X = m; Y = p; Color = colour i; Labels = [||] } ]

/// Predicted h(∞) of every (pair, layer) fit against the last measured h, with the identity line.
let finalDistances (set: PointSet) (fits: FitRow[]) =
    Figure.figure "final-distances" "final distance h(∞): theory against network"
        (linear "measured h at the last epoch = ‖Δh‖² (squared activation units)") (linear "predicted h(∞) (squared activation units)") (560, 460)
        [ yield identity "identity (predicted = measured)" (fits |> Seq.collect (fun f -> [ f.HInfObs; f.HInfPred ]))
          for i, (layer, group) in fits |> Array.groupBy (fun f -> f.Layer) |> Array.sortBy fst |> Array.indexed ->
              Points { Name = $"pairs at layer {layer}"; Color = colour i
                       X = group |> Array.map (fun f -> f.HInfObs); Y = group |> Array.map (fun f -> f.HInfPred)
                       Labels = group |> Array.map (fun f -> pairLabel set f.Pair) } ]

/// Up to maxPairsDrawn of the pairs, evenly spread (the first and the last always among them).
let drawnPairs (pairs: int[]) =
    if pairs.Length <= maxPairsDrawn then pairs
    else Array.init maxPairsDrawn (fun i -> pairs[int (Math.Round(float i * float (pairs.Length - 1) / float (maxPairsDrawn - 1)))])

/// One quantity of the drawn pairs at a layer, measured against the fitted theory: one colour per pair. A single
/// pair is drawn as Trajectories.figure draws it.
let pairTrajectories (set: PointSet) (layer: int) (q: Trajectories.Quantity) (curves: CurveRow[]) (pairs: int[]) =
    let name, title = $"layer-{layer}-{q.Key}", $"{q.Title}, layer {layer}"
    match pairs with
    | [| pair |] -> Trajectories.figure name title (560, 380) q (Trajectories.rowsOf pair layer curves)
    | _ ->
        Figure.figure name title (linear Trajectories.epochAxis) (linear q.Axis) (560, 380)
            [ for i, pair in Array.indexed pairs do
                let rows = Trajectories.rowsOf pair layer curves
                let x = rows |> Array.map (fun r -> float r.Epoch)
                yield measured (pairLabel set pair) x (rows |> Array.map q.Measured) |> withColour (colour i)
                // One legend entry says what the dashed (pale) lines are; each pair's theory is in its pair's colour.
                yield theory (if i = 0 then "theory (fitted rates)" else "") x (rows |> Array.map q.Fitted) |> withColour (colour i) ]

/// The training loss of every epoch (train/metrics) and, where it was fitted, the analytic loss at each layer's rates.
let lossCurve (lossAxis: string) (metrics: MetricRow[]) (curves: CurveRow[]) =
    let perEpoch = metrics |> Array.distinctBy (fun m -> m.Epoch) |> Array.sortBy (fun m -> m.Epoch)
    Figure.figure "loss" "training loss" (linear Trajectories.epochAxis) (linear lossAxis) (700, 380)
        [ yield measured "training loss" (perEpoch |> Array.map (fun m -> float m.Epoch)) (perEpoch |> Array.map (fun m -> m.Loss))
          let layers = curves |> Array.groupBy (fun c -> c.Layer) |> Array.sortBy fst
          for i, (layer, rows) in Array.indexed layers do
              let pair = rows |> Array.map (fun c -> c.Pair) |> Array.min
              let rows = Trajectories.rowsOf pair layer rows
              if rows |> Array.exists (fun r -> Double.IsFinite r.LossFit) then
                  let line = theory $"theory (analytic, layer {layer} fit)" (rows |> Array.map (fun r -> float r.Epoch)) (rows |> Array.map (fun r -> r.LossFit))
                  yield if layers.Length > 1 then withColour (colour (i + 1)) line else line ]

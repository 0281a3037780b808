/// Figures of trajectories: a quantity of one (pair, layer) measured in the network against the fitted theory, over
/// epochs. Shared by both reports and the reproduction.
module RepAlign.Analysis.Trajectories

open System
open RepAlign.Core.Tables
open RepAlign.Analysis.Figure

/// Axis label of training time.
let epochAxis = "epoch (gradient steps over the data)"

/// A quantity of a trajectory: its file-name key, title, axis label with units and its measured and fitted columns.
type Quantity =
    { Key: string
      Title: string
      Axis: string
      Measured: CurveRow -> float
      Fitted: CurveRow -> float }

/// h, the squared representational distance.
let h =
    { Key = "h"; Title = "representational distance h"; Axis = "h = ‖Δh‖² (squared activation units)"
      Measured = (fun r -> r.H2); Fitted = (fun r -> r.H2Fit) }

/// y, the squared output distance.
let y =
    { Key = "y"; Title = "output distance y"; Axis = "y = ‖Δŷ‖² (squared output units)"
      Measured = (fun r -> r.Y2); Fitted = (fun r -> r.Y2Fit) }

/// w, the output alignment.
let w =
    { Key = "w"; Title = "output alignment w"; Axis = "w (squared output units)"
      Measured = (fun r -> r.W); Fitted = (fun r -> r.WFit) }

/// The training loss and its analytic curve at the fitted rates.
let loss =
    { Key = "loss"; Title = "training loss"; Axis = "loss (0.5·MSE)"
      Measured = (fun r -> r.Loss); Fitted = (fun r -> r.LossFit) }

/// The rows of one (pair, layer), by epoch.
let rowsOf (pair: int) (layer: int) (curves: CurveRow[]) =
    curves |> Array.filter (fun c -> c.Pair = pair && c.Layer = layer) |> Array.sortBy (fun c -> c.Epoch)

/// Whether the quantity was measured at some epoch of the rows (the loss is not measured for every run).
let isMeasured (q: Quantity) (rows: CurveRow[]) = rows |> Array.exists (fun r -> Double.IsFinite(q.Measured r))

/// One quantity of one trajectory (rows by epoch): measured against the theory integrated with the fitted rates.
let figure (name: string) (title: string) (size: int * int) (q: Quantity) (rows: CurveRow[]) =
    let x = rows |> Array.map (fun r -> float r.Epoch)
    Figure.figure name title (linear epochAxis) (linear q.Axis) size
        [ measured "measured" x (rows |> Array.map q.Measured)
          theory "theory (fitted rates)" x (rows |> Array.map q.Fitted) ]

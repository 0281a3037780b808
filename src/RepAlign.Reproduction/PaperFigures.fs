/// The experiments' figures laid out as the paper shows them, drawn with ScottPlot (StaticFigures): every panel with
/// axis labels naming units and a legend (or a colour bar naming the value); written as figures/<experiment>.svg and
/// figures/<experiment>.png in the reproduction folder.
module RepAlign.Reproduction.PaperFigures

open System
open System.IO
open ScottPlot
open RepAlign.Core.Tables
open RepAlign.Analysis.StaticFigures
open RepAlign.Reproduction.Evidence

/// The folder of the figures inside the reproduction folder.
let folderName = "figures"

/// The pixel size of one panel (the SVG has the same size in points).
let panel = 480, 360

/// The pixel size of a heat-map panel (room for its colour bar).
let heatmapPanel = 560, 420

/// Axis label of training time.
let epochAxis = "epoch (gradient steps over the data)"

/// Axis label of h.
let hAxis = "h = ‖Δh‖² (squared activation units)"

let private palette = [| "#1f77b4"; "#ff7f0e"; "#2ca02c"; "#d62728"; "#9467bd"; "#8c564b"; "#e377c2"; "#7f7f7f"; "#bcbd22"; "#17becf" |]

/// The i-th colour of the palette.
let colour i = palette[i % palette.Length]

/// A line in a colour (measured: thin; theory: wide and pale).
let private coloured c (line: Line) = { line with Color = c }

/// A figure of panels in rows of `columns`.
let figure columns (panels: Plot list) = { Panels = panels; Columns = columns; PanelSize = panel }

/// A figure of heat maps in rows of `columns`.
let heatmaps columns (panels: Plot list) = { Panels = panels; Columns = columns; PanelSize = heatmapPanel }

/// The (pair, layer) trajectory of a fit, by epoch.
let trajectoryOf (curves: CurveRow[]) (pair: int) (layer: int) =
    curves |> Array.filter (fun c -> c.Pair = pair && c.Layer = layer) |> Array.sortBy (fun c -> c.Epoch)

/// h, y and w of one trajectory, each divided by its largest measured magnitude: measured (thin) against the
/// fitted system (wide, pale), in one panel (the shapes the paper compares across architectures).
let normalisedTrajectory (title: string) (rows: CurveRow[]) =
    let x = rows |> Array.map (fun r -> float r.Epoch)
    let quantities : (string * (CurveRow -> float) * (CurveRow -> float)) list =
        [ "h", (fun r -> r.H2), (fun r -> r.H2Fit); "y", (fun r -> r.Y2), (fun r -> r.Y2Fit); "w", (fun r -> r.W), (fun r -> r.WFit) ]
    [ for i, (name, m, f) in List.indexed quantities do
        let values = rows |> Array.map m
        let largest = values |> Array.filter Double.IsFinite |> Array.map abs |> Array.fold max 0.0
        let scale = if largest > 0.0 then largest else 1.0
        yield measured name x (values |> Array.map (fun v -> v / scale)) |> coloured (colour i)
        yield theory $"{name} theory" x (rows |> Array.map (fun r -> f r / scale)) |> coloured (colour i) ]
    |> lines title epochAxis "÷ max |measured| (dimensionless)" false

/// One quantity of one trajectory in its own units: measured (thin) against the fitted system (wide, pale).
let trajectory (title: string) (yLabel: string) (rows: CurveRow[]) (m: CurveRow -> float) (f: CurveRow -> float) =
    let x = rows |> Array.map (fun r -> float r.Epoch)
    lines title epochAxis yLabel false
        [ measured "measured" x (rows |> Array.map m); theory "theory (fitted rates)" x (rows |> Array.map f) ]

/// Predicted against measured points with the identity line (grey).
let predictedVsMeasured (title: string) (xLabel: string) (yLabel: string) (measuredValues: float[]) (predicted: float[]) =
    let plot = points title xLabel yLabel (false, false) [ measured "runs" measuredValues predicted ]
    let finite = Array.append measuredValues predicted |> Array.filter Double.IsFinite
    let lo, hi = if finite.Length = 0 then 0.0, 1.0 else Array.min finite, Array.max finite
    let identity = plot.Add.Line(lo, lo, hi, hi)
    identity.LegendText <- "identity (predicted = measured)"
    identity.Color <- Color.FromHex "#7f7f7f"
    plot

/// Values per hidden layer, one coloured series each, with markers, on a log10 y axis when logY.
let perLayer (title: string) (yLabel: string) logY (series: (string * int[] * float[]) list) =
    [ for i, (name, layers, values) in List.indexed series ->
        { measured name (layers |> Array.map float) values with Markers = true } |> coloured (colour i) ]
    |> linesLog title "hidden layer (0-based)" yLabel (false, logY)
    |> fun plot ->
        plot.Axes.Bottom.TickGenerator <- TickGenerators.NumericAutomatic(IntegerTicksOnly = true)
        plot

/// Points in two dimensions, one coloured legend entry per group (name, x, y).
let groups (title: string) (xLabel: string) (yLabel: string) (series: (string * float[] * float[]) list) =
    points title xLabel yLabel (false, false) [ for i, (name, x, y) in List.indexed series -> measured name x y |> coloured (colour i) ]

/// Writes an outcome's figure as figures/<experiment>.svg and .png in the reproduction folder; returns the paths
/// (none for an experiment without a figure).
let write (out: string) (outcome: Outcome) =
    if outcome.Paper.Panels.IsEmpty then []
    else
        let folder = Directory.CreateDirectory(Path.Combine(out, folderName)).FullName
        savePanels folder outcome.Name outcome.Paper.Columns outcome.Paper.PanelSize outcome.Paper.Panels

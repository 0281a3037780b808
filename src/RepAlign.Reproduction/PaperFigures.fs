/// The experiments' figures laid out as the paper shows them, as figure-model values (RepAlign.Analysis.Figure):
/// reproduction.html draws each panel with Plotly, and figures/<experiment>.svg and .png hold the same panels drawn
/// with ScottPlot. Every panel has axis labels naming units and a legend (or a colour bar naming the value).
module RepAlign.Reproduction.PaperFigures

open System
open System.IO
open RepAlign.Core.Tables
open RepAlign.Analysis
open RepAlign.Analysis.Figure
open RepAlign.Reproduction.Evidence

/// The folder of the figures inside the reproduction folder.
let folderName = "figures"

/// The pixel size of one panel (the SVG has the same size in points).
let panel = 480, 360

/// The pixel size of a heat-map panel (room for its colour bar).
let heatmapPanel = 560, 420

/// Axis label of training time.
let epochAxis = Trajectories.epochAxis

/// Axis label of h.
let hAxis = Trajectories.h.Axis

/// An experiment's panels in rows of `columns`, each `size` pixels; the panels are named experiment-1, experiment-2, …
/// (unique on the reproduction page) and drawn at that size by both backends.
let panelsOf (experiment: string) (columns: int) (size: int * int) (figures: Figure list) : Panels =
    { Name = experiment
      Panels = figures |> List.mapi (fun i f -> { f with Name = $"{experiment}-{i + 1}"; Size = size })
      Columns = columns
      PanelSize = size }

/// Panels of the standard size.
let figure (experiment: string) columns (figures: Figure list) = panelsOf experiment columns panel figures

/// Heat-map panels.
let heatmaps (experiment: string) columns (figures: Figure list) = panelsOf experiment columns heatmapPanel figures

/// A panel (named by panelsOf) of the given axes and series.
let private plain (title: string) (x: Axis) (y: Axis) (series: Series list) = Figure.figure "" title x y panel series

/// The (pair, layer) trajectory of a fit, by epoch.
let trajectoryOf (curves: CurveRow[]) (pair: int) (layer: int) = Trajectories.rowsOf pair layer curves

/// h, y and w of one trajectory, each divided by its largest measured magnitude: measured against the fitted system,
/// in one panel (the shapes the paper compares across architectures).
let normalisedTrajectory (title: string) (rows: CurveRow[]) =
    let x = rows |> Array.map (fun r -> float r.Epoch)
    plain title (linear epochAxis) (linear "÷ max |measured| (dimensionless)")
        [ for i, q in List.indexed [ Trajectories.h; Trajectories.y; Trajectories.w ] do
            let values = rows |> Array.map q.Measured
            let largest = values |> Array.filter Double.IsFinite |> Array.map abs |> Array.fold max 0.0
            let scale = if largest > 0.0 then largest else 1.0
            yield measured q.Key x (values |> Array.map (fun v -> v / scale)) |> withColour (colour i)
            yield theory $"{q.Key} theory" x (rows |> Array.map (fun r -> q.Fitted r / scale)) |> withColour (colour i) ]

/// One quantity of one trajectory in its own units: measured against the fitted system.
let trajectory (title: string) (q: Trajectories.Quantity) (rows: CurveRow[]) = Trajectories.figure "" title panel q rows

/// Predicted against measured points (hover labels in the browser) with the grey identity line.
let predictedVsMeasured (title: string) (xLabel: string) (yLabel: string) (measuredValues: float[]) (predicted: float[]) (labels: string[]) =
    plain title (linear xLabel) (linear yLabel)
        [ Points { Name = "runs"; X = measuredValues; Y = predicted; Color = colour 0; Labels = labels }
          identity "identity (predicted = measured)" (Array.append measuredValues predicted) ]

/// Values per hidden layer, one coloured series each, with markers, on a log10 y axis when logY.
let perLayer (title: string) (yLabel: string) logY (series: (string * int[] * float[]) list) =
    plain title { linear "hidden layer (0-based)" with IntegerTicks = true } (if logY then log10Axis yLabel else linear yLabel)
        [ for i, (name, layers, values) in List.indexed series ->
            measured name (layers |> Array.map float) values |> withColour (colour i) |> withMarkers ]

/// Lines of (name, x, y) against the given axes, one colour each.
let lines (title: string) (x: Axis) (y: Axis) (series: (string * float[] * float[]) list) =
    plain title x y [ for i, (name, xs, ys) in List.indexed series -> measured name xs ys |> withColour (colour i) ]

/// Points of one series against the given axes.
let points (title: string) (x: Axis) (y: Axis) (name: string) (xs: float[]) (ys: float[]) =
    plain title x y [ Points { Name = name; X = xs; Y = ys; Color = colour 0; Labels = [||] } ]

/// A heat map of a square matrix, rows top to bottom as labelled ("" = no tick).
let heatmap (title: string) (axisLabel: string) (valueLabel: string) (labels: string[]) (matrix: float[,]) =
    plain title (linear axisLabel) (linear axisLabel)
        [ Heatmap { Matrix = matrix; Labels = labels; ValueLabel = valueLabel; ColourScale = Viridis; Range = None } ]

/// Writes an outcome's figure as figures/<experiment>.svg and .png in the reproduction folder; returns the paths
/// (none for an experiment without a figure).
let write (out: string) (outcome: Outcome) = FigureFiles.savePanels (Path.Combine(out, folderName)) outcome.Figure

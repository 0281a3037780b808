/// The chart shapes the reproduction uses; each returns a sized Plotly.NET chart.
module RepAlign.Reproduction.Figures

open System
open Plotly.NET
open Plotly.NET.LayoutObjects

/// Values for display: NaN stays a gap, everything else is clipped to [lo, hi].
let clip lo hi (x: float) = if Double.IsNaN x then nan else max lo (min hi x)

/// Grouped columns: one group per key, one series per (name, values).
let groupedColumns (title: string) (yTitle: string) (keys: string list) (series: (string * float list) list) =
    series
    |> List.map (fun (name, values) -> Chart.Column(values = values, Keys = keys, Name = name))
    |> Chart.combine
    |> Chart.withTitle title
    |> Chart.withYAxisStyle yTitle
    |> Chart.withSize (900, 420)

/// Predicted against measured points with the identity line.
let predictedVsMeasured (title: string) (measured: float[]) (predicted: float[]) (labels: string[]) =
    let finite = Array.append measured predicted |> Array.filter Double.IsFinite
    let lo, hi = (if finite.Length = 0 then 0.0, 1.0 else Array.min finite, Array.max finite)
    [ Chart.Point(x = measured, y = predicted, Name = "runs", MultiText = labels)
      Chart.Line(x = [ lo; hi ], y = [ lo; hi ], Name = "identity", LineColor = Color.fromString "grey", LineDash = StyleParam.DrawingStyle.Dash) ]
    |> Chart.combine
    |> Chart.withTitle title
    |> Chart.withXAxisStyle "measured h(∞)"
    |> Chart.withYAxisStyle "predicted h(∞)"
    |> Chart.withSize (560, 480)

/// Lines against a logarithmic x axis (epochs + 1).
let logTimeLines (title: string) (yTitle: string) (series: (string * float[] * float[]) list) =
    series
    |> List.map (fun (name, x, y) -> Chart.Line(x = (x |> Array.map (fun e -> e + 1.0)), y = y, Name = name))
    |> Chart.combine
    |> Chart.withTitle title
    |> Chart.withXAxis (LinearAxis.init (Title = Title.init "epoch + 1", AxisType = StyleParam.AxisType.Log))
    |> Chart.withYAxisStyle yTitle
    |> Chart.withSize (700, 420)

/// Values per layer, optionally on a logarithmic y axis.
let perLayer (title: string) (yTitle: string) logY (series: (string * int[] * float[]) list) =
    series
    |> List.map (fun (name, x, y) -> Chart.Line(x = x, y = y, Name = name, ShowMarkers = true))
    |> Chart.combine
    |> Chart.withTitle title
    |> Chart.withXAxis (LinearAxis.init (Title = Title.init "hidden layer", DTick = 1))
    |> Chart.withYAxis (LinearAxis.init (Title = Title.init yTitle, AxisType = (if logY then StyleParam.AxisType.Log else StyleParam.AxisType.Linear)))
    |> Chart.withSize (620, 400)

/// A heatmap of a square matrix.
let heatmap (title: string) (labels: string[]) (matrix: float[,]) (width: int, height: int) =
    let n = Array2D.length1 matrix
    let z = Array.init n (fun i -> Array.init n (fun j -> matrix[i, j]))
    Chart.Heatmap(zData = z, X = labels, Y = labels, ColorScale = StyleParam.Colorscale.Viridis, ReverseYAxis = true)
    |> Chart.withTitle title
    |> Chart.withSize (width, height)

/// A 3-D scatter of embedded points coloured by a value.
let scatter3d (title: string) (coordinates: float[,]) (colour: float[]) (colourName: string) =
    let n = Array2D.length1 coordinates
    let axis d = Array.init n (fun i -> coordinates[i, d])
    Chart.Scatter3D(x = axis 0, y = axis 1, z = axis 2, mode = StyleParam.Mode.Markers, Name = colourName,
                    MarkerColor = Color.fromColorScaleValues colour, MarkerColorScale = StyleParam.Colorscale.Viridis)
    |> Chart.withTitle title
    |> Chart.withSize (420, 420)

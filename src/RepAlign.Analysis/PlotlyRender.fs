/// The browser backend of the figure model: each Figure becomes a Plotly.NET chart, and an HTML fragment (a div with a
/// stable id and the script that draws it; the page embeds plotly.js once, HtmlPage).
module RepAlign.Analysis.PlotlyRender

open System
open Plotly.NET
open Plotly.NET.LayoutObjects
open RepAlign.Analysis.Figure

/// At most this many points of a line go to the browser (evenly spaced, always the last), so long runs stay light.
let maxLinePoints = 2000

/// Keeps at most n points of a series (evenly spaced, always the first and the last).
let thin (n: int) (xs: 'a[]) =
    if xs.Length <= n then xs
    else
        let step = float (xs.Length - 1) / float (n - 1)
        Array.init n (fun i -> xs[int (Math.Round(float i * step))])

let private axisType (scale: Scale) = match scale with Linear -> StyleParam.AxisType.Linear | Log -> StyleParam.AxisType.Log

/// The axis range in Plotly's units (log10 of the limits on a log axis).
let private range (axis: Axis) =
    axis.Range
    |> Option.map (fun (lo, hi) ->
        let lo, hi = match axis.Scale with Linear -> lo, hi | Log -> log10 lo, log10 hi
        StyleParam.Range.MinMax(lo :> IConvertible, hi :> IConvertible))

/// A 2-D axis: title, scale, range, integer ticks, or the heat map's labelled ticks (positions where a label is given).
let private axis (a: Axis) (ticks: (int[] * string[]) option) =
    match ticks with
    | Some (at, text) -> LinearAxis.init (Title = Title.init a.Label, TickVals = at, TickText = text)
    | None ->
        match range a, a.IntegerTicks with
        | Some r, true -> LinearAxis.init (Title = Title.init a.Label, AxisType = axisType a.Scale, Range = r, DTick = 1)
        | Some r, false -> LinearAxis.init (Title = Title.init a.Label, AxisType = axisType a.Scale, Range = r)
        | None, true -> LinearAxis.init (Title = Title.init a.Label, AxisType = axisType a.Scale, DTick = 1)
        | None, false -> LinearAxis.init (Title = Title.init a.Label, AxisType = axisType a.Scale)

let private colourScale (c: ColourScale) = match c with Viridis -> StyleParam.Colorscale.Viridis

/// Whether a series has a legend entry: it has a name.
let private named (name: string) = name <> ""

/// One series as a trace.
let private trace (series: Series) : GenericChart =
    match series with
    | Line l ->
        let points = Array.zip l.X l.Y |> thin maxLinePoints
        let x, y = Array.map fst points, Array.map snd points
        match l.Role with
        | Measured -> Chart.Line(x = x, y = y, Name = l.Name, ShowLegend = named l.Name, LineColor = Color.fromString l.Color, ShowMarkers = l.Markers)
        | Theory | Reference ->
            Chart.Line(x = x, y = y, Name = l.Name, ShowLegend = named l.Name, LineColor = Color.fromString l.Color, ShowMarkers = l.Markers,
                       LineDash = StyleParam.DrawingStyle.Dash)
    | Points p when p.Labels.Length = p.X.Length && p.Labels.Length > 0 ->
        Chart.Point(x = p.X, y = p.Y, Name = p.Name, ShowLegend = named p.Name, MarkerColor = Color.fromString p.Color, MultiText = p.Labels)
    | Points p -> Chart.Point(x = p.X, y = p.Y, Name = p.Name, ShowLegend = named p.Name, MarkerColor = Color.fromString p.Color)
    | ErrorPoints e ->
        Chart.Point(x = e.X, y = e.Y, Name = e.Name, ShowLegend = named e.Name, MarkerColor = Color.fromString e.Color)
        |> Chart.withYErrorStyle (Array = e.Above, Arrayminus = e.Below, Symmetric = false)
    | Heatmap h ->
        let n = Array2D.length1 h.Matrix
        let z = Array.init n (fun i -> Array.init (Array2D.length2 h.Matrix) (fun j -> h.Matrix[i, j]))
        let positions = Array.init n float
        let chart =
            Chart.Heatmap(zData = z, X = positions, Y = positions, ColorScale = colourScale h.ColourScale, ReverseYAxis = true,
                          ColorBar = ColorBar.init (Title = Title.init (Text = h.ValueLabel, Side = StyleParam.Side.Right)))
        match h.Range with
        | Some (lo, hi) ->
            chart |> GenericChart.mapTrace (fun t -> t.SetProperty("zmin", box lo); t.SetProperty("zmax", box hi); t)
        | None -> chart
    | Points3D p ->
        Chart.Scatter3D(x = p.X, y = p.Y, z = p.Z, mode = StyleParam.Mode.Markers, Name = p.Name, ShowLegend = named p.Name,
                        MarkerColor = Color.fromString p.Color)

/// The ticks of a heat map axis: the positions whose label is not empty.
let private heatmapTicks (figure: Figure) =
    figure.Series
    |> List.tryPick (function Heatmap h -> Some h.Labels | _ -> None)
    |> Option.map (fun labels ->
        let at = labels |> Array.indexed |> Array.filter (fun (_, l) -> l <> "") |> Array.map fst
        at, at |> Array.map (fun i -> labels[i]))

/// The figure as a Plotly.NET chart: its traces, title, axes (a 3-D scene for a 3-D figure) and size.
let chart (figure: Figure) : GenericChart =
    let combined = figure.Series |> List.map trace |> Chart.combine |> Chart.withTitle figure.Title
    let framed =
        match figure.Z with
        | Some z ->
            let sceneAxis (a: Axis) = LinearAxis.init (Title = Title.init a.Label, AxisType = axisType a.Scale)
            combined |> Chart.withScene (Scene.init (XAxis = sceneAxis figure.X, YAxis = sceneAxis figure.Y, ZAxis = sceneAxis z))
        | None ->
            let ticks = heatmapTicks figure
            combined |> Chart.withXAxis (axis figure.X ticks) |> Chart.withYAxis (axis figure.Y ticks)
    let width, height = figure.Size
    // No template: Plotly.NET attaches its default one (about 8 KB) to every chart, and serialising it costs about 30
    // times the chart itself; plotly.js draws with its own defaults instead.
    framed |> Chart.withSize (width, height) |> GenericChart.mapLayout (fun layout -> layout.RemoveProperty "template" |> ignore; layout)

/// The id of a figure's div: "figure-" and its name (letters, digits, '-' and '_' kept, anything else as '-').
let elementId (figure: Figure) =
    "figure-" + String(figure.Name |> Seq.map (fun c -> if Char.IsAsciiLetterOrDigit c || c = '-' || c = '_' then c else '-') |> Seq.toArray)

/// The figure as an HTML fragment: an empty div with a stable id (the figure's name) and the script that draws the
/// chart into it. Needs the page's plotly.js; refers to no other script.
let html (figure: Figure) =
    let id = elementId figure
    // The JSON sits inside a script element: "</" must not end it early.
    let json = (GenericChart.toJson (chart figure)).Replace("</", "<\\/")
    $"<div class=\"figure\" id=\"{id}\"></div><script type=\"text/javascript\">Plotly.newPlot(\"{id}\", {json});</script>"

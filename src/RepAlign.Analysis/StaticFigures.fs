/// Figures for a paper: the report's charts drawn again with ScottPlot as SVG and PNG (no browser, works offline),
/// each with axis labels, units and a legend. Every figure is written under a temporary name and renamed.
module RepAlign.Analysis.StaticFigures

open System
open System.IO
open ScottPlot
open RepAlign.Core.Runs

/// One line of a figure: legend text, x, y, colour and whether it is the fitted theory (drawn wide and pale beneath the
/// measured lines) or measured (thin and solid). Not dashed: Skia's SVG backend cannot draw dashes, and the SVG and PNG
/// of a figure must look the same.
type Line =
    { Name: string
      X: float[]
      Y: float[]
      Color: string
      Theory: bool
      Markers: bool }

/// A solid measured line.
let measured name x y = { Name = name; X = x; Y = y; Color = "#1f77b4"; Theory = false; Markers = false }

/// A line of the fitted theory (wide and pale).
let theory name x y = { Name = name; X = x; Y = y; Color = "#d62728"; Theory = true; Markers = false }

/// The pixel size of a figure (the SVG has the same size in points).
let size = 640, 420

/// The PNG and SVG files written for a figure named `name` in `folder` (figures/name.png, figures/name.svg).
let files (folder: string) (name: string) = Path.Combine(folder, name + ".png"), Path.Combine(folder, name + ".svg")

/// Skia numbers the clip paths of its SVG output with a counter shared by the whole process, so the same figure
/// drawn twice gets other ids; renumbering them in order of appearance makes the file depend on the figure alone.
let private stableSvgIds (xml: string) =
    let ids = Collections.Generic.Dictionary<string, string>()
    Text.RegularExpressions.Regex.Replace(xml, @"\bcl_[0-9a-f]+\b", fun m ->
        match ids.TryGetValue m.Value with
        | true, id -> id
        | _ ->
            let id = $"clip{ids.Count}"
            ids[m.Value] <- id
            id)

/// Saves a plot as name.png and name.svg in folder (atomically); returns both paths.
let save (folder: string) (name: string) (plot: Plot) =
    let width, height = size
    let png, svg = files folder name
    let bytes = plot.GetImageBytes(width, height, ImageFormat.Png)
    AtomicFile.Write(png, fun s -> s.Write(bytes, 0, bytes.Length))
    AtomicFile.WriteText(svg, stableSvgIds (plot.GetSvgXml(width, height)))
    [ png; svg ]

/// The pixel size of `count` panels in rows of `columns`.
let panelsSize (columns: int) (panelWidth: int, panelHeight: int) (count: int) =
    let columns = max 1 (min columns count)
    columns * panelWidth, max 1 ((count + columns - 1) / columns) * panelHeight

/// The top-left corner of panel i in rows of `columns`.
let private corner (columns: int) (panelWidth: int, panelHeight: int) (i: int) = i % columns * panelWidth, i / columns * panelHeight

/// The panels as one PNG: each plot drawn on a surface of its own (ScottPlot clears the canvas it renders to), then
/// placed at its corner on a white canvas.
let private panelsPng (columns: int) (panelWidth: int, panelHeight: int) (plots: Plot list) =
    let width, height = panelsSize columns (panelWidth, panelHeight) plots.Length
    use surface = SkiaSharp.SKSurface.Create(SkiaSharp.SKImageInfo(width, height))
    surface.Canvas.Clear(SkiaSharp.SKColors.White)
    plots
    |> List.iteri (fun i plot ->
        use panel = SkiaSharp.SKSurface.Create(SkiaSharp.SKImageInfo(panelWidth, panelHeight))
        plot.Render(panel)
        use image = panel.Snapshot()
        let x, y = corner columns (panelWidth, panelHeight) i
        surface.Canvas.DrawImage(image, float32 x, float32 y))
    use image = surface.Snapshot()
    use data = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100)
    data.ToArray()

/// The panels as one SVG document: each plot's own SVG nested at its corner (an svg element inside the outer one).
let private panelsSvg (columns: int) (panelWidth: int, panelHeight: int) (plots: Plot list) =
    let width, height = panelsSize columns (panelWidth, panelHeight) plots.Length
    let inner =
        plots
        |> List.mapi (fun i plot ->
            let x, y = corner columns (panelWidth, panelHeight) i
            let xml = plot.GetSvgXml(panelWidth, panelHeight)
            // Drop the XML declaration; place the panel's root svg element at its corner.
            let body = Text.RegularExpressions.Regex.Replace(xml, @"^\s*<\?xml[^>]*\?>\s*", "")
            Text.RegularExpressions.Regex.Replace(body, @"^<svg\b", $"<svg x=\"{x}\" y=\"{y}\""))
        |> String.concat "\n"
    $"<?xml version=\"1.0\" encoding=\"utf-8\" ?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n{inner}\n</svg>\n"

/// Saves plots as one figure of panels (rows of `columns`, each panel the given pixel size) as name.png and name.svg in
/// folder (atomically); returns both paths. One figure with several panels, as a paper lays them out.
let savePanels (folder: string) (name: string) (columns: int) (panel: int * int) (plots: Plot list) =
    let columns = max 1 (min columns plots.Length)
    let png, svg = files folder name
    let bytes = panelsPng columns panel plots
    AtomicFile.Write(png, fun s -> s.Write(bytes, 0, bytes.Length))
    AtomicFile.WriteText(svg, stableSvgIds (panelsSvg columns panel plots))
    [ png; svg ]

/// Ticks of a log10-transformed axis spanning [lo, hi] (in log10 units), labelled with the values themselves: at every
/// power of ten, and at 2× and 5× (or every multiple, under one decade) when the axis spans fewer than three decades,
/// so that a short log axis still has labels to read values from.
let logTicks (lo: float, hi: float) =
    let ticks = TickGenerators.NumericManual()
    let label (m: int) (d: int) =
        let value = float m * 10.0 ** float d
        if d >= -2 && d <= 3 then value.ToString("G4", Globalization.CultureInfo.InvariantCulture) else $"{m}e{d}"
    if Double.IsFinite lo && Double.IsFinite hi && hi > lo then
        let span = hi - lo
        let multiples = if span < 1.0 then [ 1 .. 9 ] elif span < 3.0 then [ 1; 2; 5 ] else [ 1 ]
        let every = max 1 (int (ceil (span / 10.0))) // at most about ten powers of ten labelled
        for d in int (floor lo) .. int (ceil hi) do
            for m in multiples do
                let at = float d + log10 (float m)
                if at >= lo && at <= hi && (m > 1 || d % every = 0) then ticks.AddMajor(at, label m d)
    ticks

/// A plot with a title and axis labels (text with units), legend shown at the upper right when there are named lines.
let private frame (title: string) (xLabel: string) (yLabel: string) =
    let plot = new Plot()
    plot.Title(title) |> ignore
    plot.XLabel(xLabel) |> ignore
    plot.YLabel(yLabel) |> ignore
    plot

/// Adds one series to a plot on linear or log10 axes (non-finite points, and non-positive ones on a log axis, dropped):
/// a line of the given width (0 = points only), markers of the given size.
let private addSeries (plot: Plot) (logX: bool, logY: bool) (lineWidth: float32) (markerSize: float32) (s: Line) =
    let points =
        Array.zip s.X s.Y
        |> Array.filter (fun (x, y) -> Double.IsFinite x && Double.IsFinite y && (not logX || x > 0.0) && (not logY || y > 0.0))
    if points.Length > 0 then
        let xs = points |> Array.map (fun (x, _) -> if logX then log10 x else x)
        let ys = points |> Array.map (fun (_, y) -> if logY then log10 y else y)
        let scatter = plot.Add.Scatter(xs, ys)
        scatter.LegendText <- s.Name
        scatter.Color <- (if s.Theory then (Color.FromHex s.Color).WithAlpha(0.4) else Color.FromHex s.Color)
        scatter.LineWidth <- (if s.Theory && lineWidth > 0.0f then 3.0f * lineWidth else lineWidth)
        scatter.MarkerSize <- markerSize

/// Labels the log10-transformed axes with their values and shows the legend at the upper right.
let private finish (plot: Plot) (logX: bool, logY: bool) =
    if logX || logY then
        plot.Axes.AutoScale()
        let limits = plot.Axes.GetLimits()
        if logX then plot.Axes.Bottom.TickGenerator <- logTicks (limits.Left, limits.Right)
        if logY then plot.Axes.Left.TickGenerator <- logTicks (limits.Bottom, limits.Top)
    plot.ShowLegend(Alignment.UpperRight) |> ignore
    plot

/// Lines against linear or log10 axes (logX, logY); non-finite points, and non-positive ones on a log axis, are dropped.
let linesLog (title: string) (xLabel: string) (yLabel: string) (logX: bool, logY: bool) (series: Line list) =
    let plot = frame title xLabel yLabel
    // The theory first, so the measured lines lie on top of it.
    for s in series |> List.sortBy (fun s -> not s.Theory) do addSeries plot (logX, logY) 2.0f (if s.Markers then 5.0f else 0.0f) s
    finish plot (logX, logY)

/// Points without lines against linear or log10 axes, one legend entry per series.
let points (title: string) (xLabel: string) (yLabel: string) (logX: bool, logY: bool) (series: Line list) =
    let plot = frame title xLabel yLabel
    for s in series do addSeries plot (logX, logY) 0.0f 6.0f s
    finish plot (logX, logY)

/// Lines against a linear (or log10 when logX) x axis; non-finite points are dropped.
let lines (title: string) (xLabel: string) (yLabel: string) (logX: bool) (series: Line list) =
    linesLog title xLabel yLabel (logX, false) series

/// Points with asymmetric error bars (median and interquartile range), one series per entry.
let mediansWithRanges (title: string) (xLabel: string) (yLabel: string) (yRange: (float * float) option)
                      (series: (string * string * float[] * float[] * float[] * float[]) list) =
    let plot = frame title xLabel yLabel
    for name, color, x, med, lo, hi in series do
        let keep = Array.init x.Length id |> Array.filter (fun i -> Double.IsFinite med[i])
        if keep.Length > 0 then
            let pick (a: float[]) = keep |> Array.map (fun i -> a[i])
            let xs, ys = pick x, pick med
            let below = keep |> Array.map (fun i -> if Double.IsFinite lo[i] then med[i] - lo[i] else 0.0)
            let above = keep |> Array.map (fun i -> if Double.IsFinite hi[i] then hi[i] - med[i] else 0.0)
            let none = Array.zeroCreate<float> xs.Length
            plot.Add.Plottable(Plottables.ErrorBar(xs, ys, none, none, above, below)) |> ignore
            let points = plot.Add.Scatter(xs, ys)
            points.LegendText <- name
            points.Color <- Color.FromHex color
            points.LineWidth <- 0.0f
            points.MarkerSize <- 7.0f
    match yRange with
    | Some (lo, hi) -> plot.Axes.SetLimitsY(lo, hi)
    | None -> ()
    plot.ShowLegend(Alignment.LowerRight) |> ignore
    plot

/// A heat map of a square matrix (rows top to bottom as labels), with a colour bar naming the value.
let heatmap (title: string) (axisLabel: string) (valueLabel: string) (labels: string[]) (matrix: float[,]) =
    let plot = frame title axisLabel axisLabel
    let finite = matrix |> Seq.cast<float> |> Seq.exists Double.IsFinite
    // A matrix without one finite value has no colour range (ScottPlot refuses it): draw the empty frame and say so.
    if not finite then
        plot.Add.Annotation($"no finite {valueLabel} to show") |> ignore
        plot
    else
    let map = plot.Add.Heatmap(matrix)
    map.Colormap <- Colormaps.Viridis()
    map.NaNCellColor <- Colors.White
    let bar = plot.Add.ColorBar(map)
    bar.Label <- valueLabel
    let n = labels.Length
    let ticks = TickGenerators.NumericManual()
    // An empty label is no tick: long axes label only where a group starts.
    for i in 0 .. n - 1 do if labels[i] <> "" then ticks.AddMajor(float i, labels[i])
    plot.Axes.Bottom.TickGenerator <- ticks
    let left = TickGenerators.NumericManual()
    // ScottPlot's heat map draws row 0 at the top: label the y axis to match.
    for i in 0 .. n - 1 do if labels[i] <> "" then left.AddMajor(float (n - 1 - i), labels[i])
    plot.Axes.Left.TickGenerator <- left
    // The colour bar, labelled with the value, is the heat map's legend.
    plot

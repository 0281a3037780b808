/// Figures for a paper: the report's charts drawn again with ScottPlot as SVG and PNG (no browser, works offline),
/// each with axis labels, units and a legend. Every figure is written under a temporary name and renamed.
module RepAlign.Analysis.StaticFigures

open System
open System.IO
open ScottPlot
open RepAlign.Core.Runs

/// One line of a figure: legend text, x, y, colour and whether it is dashed (the fitted theory) or solid (measured).
type Line =
    { Name: string
      X: float[]
      Y: float[]
      Color: string
      Dashed: bool
      Markers: bool }

/// A solid measured line.
let measured name x y = { Name = name; X = x; Y = y; Color = "#1f77b4"; Dashed = false; Markers = false }

/// A dashed line of the fitted theory.
let theory name x y = { Name = name; X = x; Y = y; Color = "#d62728"; Dashed = true; Markers = false }

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

/// Draws plots as panels on one canvas, in rows of `columns`, each `panelWidth` × `panelHeight` pixels, on white.
let private drawPanels (canvas: SkiaSharp.SKCanvas) (columns: int) (panelWidth: int, panelHeight: int) (plots: Plot list) =
    canvas.Clear(SkiaSharp.SKColors.White)
    plots
    |> List.iteri (fun i plot ->
        let left = float32 (i % columns * panelWidth)
        let top = float32 (i / columns * panelHeight)
        plot.Render(canvas, PixelRect(left, left + float32 panelWidth, top + float32 panelHeight, top)))

/// The pixel size of `count` panels in rows of `columns`.
let panelsSize (columns: int) (panelWidth: int, panelHeight: int) (count: int) =
    let columns = max 1 (min columns count)
    columns * panelWidth, max 1 ((count + columns - 1) / columns) * panelHeight

/// Saves plots as one figure of panels (rows of `columns`, each panel the given pixel size) as name.png and name.svg in
/// folder (atomically); returns both paths. One figure with several panels, as a paper lays them out.
let savePanels (folder: string) (name: string) (columns: int) (panel: int * int) (plots: Plot list) =
    let columns = max 1 (min columns plots.Length)
    let width, height = panelsSize columns panel plots.Length
    let png, svg = files folder name
    let bytes =
        use surface = SkiaSharp.SKSurface.Create(SkiaSharp.SKImageInfo(width, height))
        drawPanels surface.Canvas columns panel plots
        use image = surface.Snapshot()
        use data = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100)
        data.ToArray()
    AtomicFile.Write(png, fun s -> s.Write(bytes, 0, bytes.Length))
    let xml =
        use stream = new MemoryStream()
        do
            use canvas = SkiaSharp.SKSvgCanvas.Create(SkiaSharp.SKRect.Create(float32 width, float32 height), stream)
            drawPanels canvas columns panel plots
        Text.Encoding.UTF8.GetString(stream.ToArray())
    AtomicFile.WriteText(svg, stableSvgIds xml)
    [ png; svg ]

/// Ticks of a log10-transformed axis, labelled as powers of ten.
let logTicks () =
    let ticks = TickGenerators.NumericAutomatic()
    ticks.LabelFormatter <- fun x -> "1e" + x.ToString("0", Globalization.CultureInfo.InvariantCulture)
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
        scatter.Color <- Color.FromHex s.Color
        scatter.LineWidth <- lineWidth
        scatter.MarkerSize <- markerSize
        if s.Dashed then scatter.LinePattern <- LinePattern.Dashed

/// Labels the log10-transformed axes as powers of ten and shows the legend at the upper right.
let private finish (plot: Plot) (logX: bool, logY: bool) =
    if logX then plot.Axes.Bottom.TickGenerator <- logTicks ()
    if logY then plot.Axes.Left.TickGenerator <- logTicks ()
    plot.ShowLegend(Alignment.UpperRight) |> ignore
    plot

/// Lines against linear or log10 axes (logX, logY); non-finite points, and non-positive ones on a log axis, are dropped.
let linesLog (title: string) (xLabel: string) (yLabel: string) (logX: bool, logY: bool) (series: Line list) =
    let plot = frame title xLabel yLabel
    for s in series do addSeries plot (logX, logY) 2.0f (if s.Markers then 5.0f else 0.0f) s
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
    for i in 0 .. n - 1 do ticks.AddMajor(float i, labels[i])
    plot.Axes.Bottom.TickGenerator <- ticks
    let left = TickGenerators.NumericManual()
    // ScottPlot's heat map draws row 0 at the top: label the y axis to match.
    for i in 0 .. n - 1 do left.AddMajor(float (n - 1 - i), labels[i])
    plot.Axes.Left.TickGenerator <- left
    // The colour bar, labelled with the value, is the heat map's legend.
    plot

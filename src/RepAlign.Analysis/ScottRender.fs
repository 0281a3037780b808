/// The paper backend of the figure model: each Figure drawn with ScottPlot (Skia) as a Plot, saved as SVG and PNG
/// with no browser, offline. Measured lines are thin and solid, the theory wide and pale beneath them (Skia's SVG
/// output cannot dash, and the SVG and PNG of a figure must look the same), reference lines grey.
module RepAlign.Analysis.ScottRender

open System
open ScottPlot
open RepAlign.Analysis.Figure

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

let private isLog (a: Axis) = a.Scale = Log

/// The finite points of x and y (and positive ones on a log axis), transformed to log10 where the axis is.
let private finitePoints (logX: bool, logY: bool) (x: float[]) (y: float[]) =
    let keep = Array.init (min x.Length y.Length) id |> Array.filter (fun i ->
        Double.IsFinite x[i] && Double.IsFinite y[i] && (not logX || x[i] > 0.0) && (not logY || y[i] > 0.0))
    let t log (v: float) = if log then log10 v else v
    keep, keep |> Array.map (fun i -> t logX x[i]), keep |> Array.map (fun i -> t logY y[i])

/// A scatter of the finite points: line width 0 = points only, marker size 0 = line only.
let private scatter (plot: Plot) (logs: bool * bool) (name: string) (color: Color) (lineWidth: float32) (markerSize: float32) (x: float[]) (y: float[]) =
    let _, xs, ys = finitePoints logs x y
    if xs.Length > 0 then
        let s = plot.Add.Scatter(xs, ys)
        s.LegendText <- name
        s.Color <- color
        s.LineWidth <- lineWidth
        s.MarkerSize <- markerSize

let private heatmap (plot: Plot) (h: Heatmap) =
    let finite = h.Matrix |> Seq.cast<float> |> Seq.exists Double.IsFinite
    // A matrix without one finite value has no colour range (ScottPlot refuses it): draw the empty frame and say so.
    if not finite then plot.Add.Annotation($"no finite {h.ValueLabel} to show") |> ignore
    else
        let map = plot.Add.Heatmap(h.Matrix)
        map.Colormap <- (match h.ColourScale with Viridis -> Colormaps.Viridis())
        map.NaNCellColor <- Colors.White
        match h.Range with
        | Some (lo, hi) -> map.ManualRange <- Nullable(Range(lo, hi))
        | None -> ()
        let bar = plot.Add.ColorBar(map)
        bar.Label <- h.ValueLabel // the colour bar, labelled with the value, is the heat map's legend
        let n = h.Labels.Length
        let bottom, left = TickGenerators.NumericManual(), TickGenerators.NumericManual()
        // An empty label is no tick; ScottPlot's heat map draws row 0 at the top: label the y axis to match.
        for i in 0 .. n - 1 do
            if h.Labels[i] <> "" then
                bottom.AddMajor(float i, h.Labels[i])
                left.AddMajor(float (n - 1 - i), h.Labels[i])
        plot.Axes.Bottom.TickGenerator <- bottom
        plot.Axes.Left.TickGenerator <- left

/// One series drawn onto the plot.
let private add (plot: Plot) (logs: bool * bool) (series: Series) =
    match series with
    | Line l ->
        let c = Color.FromHex l.Color
        let marker = if l.Markers then 5.0f else 0.0f
        match l.Role with
        | Measured -> scatter plot logs l.Name c 2.0f marker l.X l.Y
        | Theory -> scatter plot logs l.Name (c.WithAlpha 0.4) 6.0f marker l.X l.Y
        | Reference -> scatter plot logs l.Name c 1.5f marker l.X l.Y
    | Points p -> scatter plot logs p.Name (Color.FromHex p.Color) 0.0f 6.0f p.X p.Y
    | Points3D p -> scatter plot logs p.Name (Color.FromHex p.Color) 0.0f 5.0f p.X p.Y
    | ErrorPoints e ->
        let keep, xs, ys = finitePoints logs e.X e.Y
        if keep.Length > 0 then
            let part (a: float[]) = keep |> Array.map (fun i -> if Double.IsFinite a[i] then a[i] else 0.0)
            let none = Array.zeroCreate<float> keep.Length
            plot.Add.Plottable(Plottables.ErrorBar(xs, ys, none, none, part e.Above, part e.Below)) |> ignore
            scatter plot logs e.Name (Color.FromHex e.Color) 0.0f 7.0f e.X e.Y
    | Heatmap h -> heatmap plot h

/// The figure as a ScottPlot Plot (the caller disposes it): title, axis labels with units, series, log10 axes labelled
/// with their values, fixed ranges, integer ticks and the legend.
let plot (figure: Figure) =
    let plot = new Plot()
    plot.Title(figure.Title) |> ignore
    plot.XLabel(figure.X.Label) |> ignore
    plot.YLabel(figure.Y.Label) |> ignore
    let logs = isLog figure.X, isLog figure.Y
    // The theory first, so the measured lines lie on top of it.
    let ordered = figure.Series |> List.sortBy (function Line l when l.Role = Theory -> 0 | _ -> 1)
    for s in ordered do add plot logs s
    // Fitted to the data first (log ticks are laid out over the limits), then any fixed range.
    if fst logs || snd logs then plot.Axes.AutoScale()
    let limit (a: Axis) = a.Range |> Option.map (fun (lo, hi) -> if isLog a then log10 lo, log10 hi else lo, hi)
    match limit figure.X with Some (lo, hi) -> plot.Axes.SetLimitsX(lo, hi) | None -> ()
    match limit figure.Y with Some (lo, hi) -> plot.Axes.SetLimitsY(lo, hi) | None -> ()
    if fst logs || snd logs then
        let limits = plot.Axes.GetLimits()
        if fst logs then plot.Axes.Bottom.TickGenerator <- logTicks (limits.Left, limits.Right)
        if snd logs then plot.Axes.Left.TickGenerator <- logTicks (limits.Bottom, limits.Top)
    if figure.X.IntegerTicks then plot.Axes.Bottom.TickGenerator <- TickGenerators.NumericAutomatic(IntegerTicksOnly = true)
    if figure.Y.IntegerTicks then plot.Axes.Left.TickGenerator <- TickGenerators.NumericAutomatic(IntegerTicksOnly = true)
    plot.ShowLegend(match figure.Legend with UpperRight -> Alignment.UpperRight | LowerRight -> Alignment.LowerRight) |> ignore
    plot

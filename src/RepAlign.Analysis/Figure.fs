/// A figure described once — its series, axes with units, legend, colour scale, size — and drawn by two backends:
/// PlotlyRender (interactive charts in the HTML pages) and ScottRender (SVG and PNG for a paper). Every figure of a
/// run report and of the reproduction is a value of this model; no figure is drawn by hand in either backend.
module RepAlign.Analysis.Figure

open System

/// How an axis maps values: linear, or log10 (non-positive values are dropped on a log axis).
type Scale =
    | Linear
    | Log

/// One axis: its label (the quantity and its units), scale, optional fixed range and whether ticks are integers only.
type Axis =
    { Label: string
      Scale: Scale
      /// Fixed limits (in data units); None = fitted to the data.
      Range: (float * float) option
      /// Integer ticks only (hidden layers, epochs of a short run).
      IntegerTicks: bool }

/// A linear axis with the given label.
let linear label = { Label = label; Scale = Linear; Range = None; IntegerTicks = false }

/// A log10 axis with the given label.
let log10Axis label = { Label = label; Scale = Log; Range = None; IntegerTicks = false }

/// What a line shows, which decides how it is drawn: measured (thin, solid), the fitted theory (dashed in the browser;
/// wide and pale in SVG/PNG, because Skia's SVG backend cannot dash and SVG and PNG must look alike) or a reference
/// (the identity line: grey).
type Role =
    | Measured
    | Theory
    | Reference

/// A line through points (x sorted by the caller); non-finite points are gaps. In every series, an empty Name means
/// no legend entry.
type Line =
    { Name: string
      X: float[]
      Y: float[]
      Color: string
      Role: Role
      /// Markers at the points as well as the line.
      Markers: bool }

/// Points without a line; Labels (one per point, or empty) are shown on hover in the browser.
type Points =
    { Name: string
      X: float[]
      Y: float[]
      Color: string
      Labels: string[] }

/// Points with asymmetric vertical error bars: Y − Below to Y + Above.
type ErrorPoints =
    { Name: string
      X: float[]
      Y: float[]
      Below: float[]
      Above: float[]
      Color: string }

/// The colour scale of heat maps.
type ColourScale =
    /// Perceptually uniform, dark blue (low) to yellow (high).
    | Viridis

/// A square matrix as coloured cells, row 0 at the top; NaN cells are blank.
type Heatmap =
    { Matrix: float[,]
      /// One label per row (= per column); "" leaves that row's tick unlabelled (long axes label group starts).
      Labels: string[]
      /// What the colours mean, with units: the colour bar's title.
      ValueLabel: string
      ColourScale: ColourScale
      /// Fixed colour limits, so that heat maps set side by side compare; None = the finite values' range.
      Range: (float * float) option }

/// Points in three dimensions (one legend group). The browser shows all three; SVG/PNG show the first two (x, y).
type Points3D =
    { Name: string
      X: float[]
      Y: float[]
      Z: float[]
      Color: string }

/// One series of a figure.
type Series =
    | Line of Line
    | Points of Points
    | ErrorPoints of ErrorPoints
    | Heatmap of Heatmap
    | Points3D of Points3D

/// Where the legend sits in SVG/PNG (the browser places it beside the plot).
type Legend =
    | UpperRight
    | LowerRight

/// One figure: a title, axes, series and its size in pixels (the SVG has the same size in points).
type Figure =
    { /// File stem in report/figures (name.svg, name.png) and the id of its div in the HTML page; unique in a page.
      Name: string
      Title: string
      X: Axis
      Y: Axis
      /// The third axis of a 3-D figure (None for 2-D).
      Z: Axis option
      Series: Series list
      Size: int * int
      Legend: Legend }

/// A figure with the given name, title, axes, size and series; legend at the upper right.
let figure (name: string) (title: string) (x: Axis) (y: Axis) (size: int * int) (series: Series list) =
    { Name = name; Title = title; X = x; Y = y; Z = None; Series = series; Size = size; Legend = UpperRight }

/// Several figures laid out as one, in rows of Columns, each PanelSize pixels: the way a paper shows an experiment.
type Panels =
    { Name: string
      Panels: Figure list
      Columns: int
      PanelSize: int * int }

/// No panels (an experiment that failed or has nothing to draw).
let noPanels name = { Name = name; Panels = []; Columns = 1; PanelSize = 480, 360 }

/// The palette of series colours (Plotly's and matplotlib's default ten).
let palette = [| "#1f77b4"; "#ff7f0e"; "#2ca02c"; "#d62728"; "#9467bd"; "#8c564b"; "#e377c2"; "#7f7f7f"; "#bcbd22"; "#17becf" |]

/// The i-th colour of the palette.
let colour (i: int) = palette[i % palette.Length]

/// The colour of measured lines where one measured line stands against its theory.
let measuredColour = "#1f77b4"

/// The colour of the fitted theory where one measured line stands against it.
let theoryColour = "#d62728"

/// A measured line.
let measured name x y = Line { Name = name; X = x; Y = y; Color = measuredColour; Role = Measured; Markers = false }

/// A line of the fitted theory.
let theory name x y = Line { Name = name; X = x; Y = y; Color = theoryColour; Role = Theory; Markers = false }

/// A series recoloured (lines, points, error points and 3-D points; heat maps keep their colour scale).
let withColour (c: string) (series: Series) =
    match series with
    | Line l -> Line { l with Color = c }
    | Points p -> Points { p with Color = c }
    | ErrorPoints e -> ErrorPoints { e with Color = c }
    | Points3D p -> Points3D { p with Color = c }
    | Heatmap _ -> series

/// A line with markers at its points.
let withMarkers (series: Series) =
    match series with
    | Line l -> Line { l with Markers = true }
    | other -> other

/// The identity line y = x over the finite range of the given values (grey).
let identity (name: string) (values: float seq) =
    let finite = values |> Seq.filter Double.IsFinite |> Seq.toArray
    let lo, hi = if finite.Length = 0 then 0.0, 1.0 else Array.min finite, Array.max finite
    Line { Name = name; X = [| lo; hi |]; Y = [| lo; hi |]; Color = "#7f7f7f"; Role = Reference; Markers = false }

/// Every figure's name in a list of panels must be unique (they name files and page elements).
let checkNames (figures: Figure seq) =
    let duplicates = figures |> Seq.countBy (fun f -> f.Name) |> Seq.filter (fun (_, n) -> n > 1) |> Seq.map fst |> Seq.toList
    if not duplicates.IsEmpty then
        invalidArg "figures" ("figure names must be unique; repeated: " + String.Join(", ", duplicates))

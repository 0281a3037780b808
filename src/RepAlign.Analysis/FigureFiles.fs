/// Figures for a paper as files: each Figure drawn by ScottRender and saved as name.svg and name.png, or several as
/// one figure of panels; every file written under a temporary name and renamed. Figures are drawn in parallel, each
/// on its own Plot and Skia surfaces, and the files are the same bytes as when drawn one after another.
module RepAlign.Analysis.FigureFiles

open System
open System.IO
open System.Threading.Tasks
open ScottPlot
open RepAlign.Core.Runs
open RepAlign.Analysis.Figure

/// The PNG and SVG files written for a figure named `name` in `folder` (folder/name.png, folder/name.svg).
let files (folder: string) (name: string) = Path.Combine(folder, name + ".png"), Path.Combine(folder, name + ".svg")

/// Skia numbers the clip paths of its SVG output with a counter shared by the whole process, so the same figure
/// drawn twice (or beside another on a second thread) gets other ids; renumbering them in order of appearance makes
/// the file depend on the figure alone.
let private stableSvgIds (xml: string) =
    let ids = Collections.Generic.Dictionary<string, string>()
    Text.RegularExpressions.Regex.Replace(xml, @"\bcl_[0-9a-f]+\b", fun m ->
        match ids.TryGetValue m.Value with
        | true, id -> id
        | _ ->
            let id = $"clip{ids.Count}"
            ids[m.Value] <- id
            id)

let private writeBoth (png: string, svg: string) (pngBytes: byte[]) (svgText: string) =
    AtomicFile.Write(png, fun s -> s.Write(pngBytes, 0, pngBytes.Length))
    AtomicFile.WriteText(svg, stableSvgIds svgText)

/// Draws one figure and saves it as name.png and name.svg in folder (atomically); returns both paths.
let save (folder: string) (figure: Figure) =
    let width, height = figure.Size
    use plot = ScottRender.plot figure
    let paths = files folder figure.Name
    writeBoth paths (plot.GetImageBytes(width, height, ImageFormat.Png)) (plot.GetSvgXml(width, height))
    [ fst paths; snd paths ]

/// Saves every figure (see save) in folder, drawn in parallel on up to `threads` threads; returns the paths in the
/// order of the figures (PNG then SVG of each). Names must be unique (they name the files).
let saveAll (threads: int) (folder: string) (figures: Figure list) =
    checkNames figures
    Directory.CreateDirectory folder |> ignore
    let figures = List.toArray figures
    let written = Array.create figures.Length []
    let options = ParallelOptions(MaxDegreeOfParallelism = max 1 threads)
    try
        Parallel.For(0, figures.Length, options, fun i -> written[i] <- save folder figures[i]) |> ignore
    with :? AggregateException as e when e.InnerExceptions.Count = 1 ->
        // One figure failed: its own exception (a full disk, a bad figure), not the wrapper, tells the story.
        Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw()
    written |> Array.toList |> List.concat

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

/// Saves the panels as one figure (rows of Columns, each panel PanelSize pixels; a panel's own Size is not used) as
/// Name.png and Name.svg in folder (atomically); returns both paths, or none when there are no panels.
let savePanels (folder: string) (panels: Panels) =
    if panels.Panels.IsEmpty then []
    else
        Directory.CreateDirectory folder |> ignore
        let columns = max 1 (min panels.Columns panels.Panels.Length)
        let plots = panels.Panels |> List.map ScottRender.plot
        try
            let paths = files folder panels.Name
            writeBoth paths (panelsPng columns panels.PanelSize plots) (panelsSvg columns panels.PanelSize plots)
            [ fst paths; snd paths ]
        finally
            for p in plots do p.Dispose()

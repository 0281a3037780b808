/// Self-contained HTML pages: plotly.js embedded once, so reports open offline.
module RepAlign.Analysis.HtmlPage

open System
open System.IO
open System.Net
open System.Text
open Plotly.NET

/// The plotly.js bundled inside Plotly.NET (read once).
let private plotlyJs =
    lazy
        (let asm = typeof<GenericChart>.Assembly
         let name =
             asm.GetManifestResourceNames()
             |> Array.find (fun n -> n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal))
         use stream = asm.GetManifestResourceStream name
         use reader = new StreamReader(stream)
         reader.ReadToEnd())

/// A number for a table cell: four significant digits, "–" for NaN.
let fmt (x: float) =
    if Double.IsNaN x then "–" else x.ToString("G4", Globalization.CultureInfo.InvariantCulture)

/// HTML-escapes text.
let escape (text: string) = WebUtility.HtmlEncode text

/// A part of a section: HTML (already escaped), a table, or a row of figures (drawn by PlotlyRender).
type Block =
    | Html of string
    | Table of header: string list * rows: string list list
    | Figures of Figure.Figure list

/// A section of a page: a heading, an explanatory paragraph and its blocks.
type Section = { Heading: string; Text: string; Blocks: Block list }

/// Every figure of the sections, in page order.
let figures (sections: Section list) =
    [ for s in sections do
        for b in s.Blocks do
            match b with
            | Figures fs -> yield! fs
            | _ -> () ]

/// An HTML table from a header and rows of cells.
let table (header: string list) (rows: string list list) =
    let sb = StringBuilder()
    sb.Append("<table><thead><tr>") |> ignore
    for h in header do sb.Append($"<th>{escape h}</th>") |> ignore
    sb.Append("</tr></thead><tbody>") |> ignore
    for row in rows do
        sb.Append("<tr>") |> ignore
        for cell in row do sb.Append($"<td>{escape cell}</td>") |> ignore
        sb.Append("</tr>") |> ignore
    sb.Append("</tbody></table>").ToString()

/// Renders a whole page with plotly.js inlined once in its head; each figure is a div and a script that draws it,
/// and the page refers to no other script or file. Figure names must be unique (they are the divs' ids).
let render (title: string) (subtitle: string) (sections: Section list) =
    Figure.checkNames (figures sections)
    let sb = StringBuilder()
    sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
      .Append($"<title>{escape title}</title>")
      .Append("<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;color:#222}")
      .Append("table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
      .Append("th{background:#f3f3f3}p.note{color:#555}div.figures{display:flex;flex-wrap:wrap}</style>")
      .Append("<script type=\"text/javascript\">").Append(plotlyJs.Value).Append("</script></head><body>")
      .Append($"<h1>{escape title}</h1><p class=\"note\">{escape subtitle}</p>") |> ignore
    for s in sections do
        sb.Append($"<h2>{escape s.Heading}</h2><p>{escape s.Text}</p>") |> ignore
        for b in s.Blocks do
            match b with
            | Html html -> sb.Append(html) |> ignore
            | Table (header, rows) -> sb.Append(table header rows) |> ignore
            | Figures fs ->
                sb.Append("<div class=\"figures\">") |> ignore
                for f in fs do sb.Append(PlotlyRender.html f) |> ignore
                sb.Append("</div>") |> ignore
    sb.Append("</body></html>\n").ToString()

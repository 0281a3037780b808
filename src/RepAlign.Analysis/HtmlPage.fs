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

/// A section of a page: a heading, an explanatory paragraph and HTML content.
type Section = { Heading: string; Text: string; Body: string }

/// A chart as an HTML fragment (a div and its script; needs the page's plotly.js).
let chart (c: GenericChart) = GenericChart.toChartHTML c

/// Titles a chart and its two axes and sets its size in pixels: the frame of every report figure.
let styled (title: string) (xTitle: string) (yTitle: string) (width: int, height: int) (c: GenericChart) =
    c
    |> Chart.withTitle title
    |> Chart.withXAxisStyle xTitle
    |> Chart.withYAxisStyle yTitle
    |> Chart.withSize (width, height)

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

/// Renders a whole page with plotly.js inlined.
let render (title: string) (subtitle: string) (sections: Section list) =
    let sb = StringBuilder()
    sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
      .Append($"<title>{escape title}</title>")
      .Append("<style>body{font-family:system-ui,sans-serif;max-width:1200px;margin:2em auto;color:#222}")
      .Append("table{border-collapse:collapse;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
      .Append("th{background:#f3f3f3}p.note{color:#555}</style>")
      .Append("<script type=\"text/javascript\">").Append(plotlyJs.Value).Append("</script></head><body>")
      .Append($"<h1>{escape title}</h1><p class=\"note\">{escape subtitle}</p>") |> ignore
    for s in sections do
        sb.Append($"<h2>{escape s.Heading}</h2><p>{escape s.Text}</p>").Append(s.Body) |> ignore
    sb.Append("</body></html>\n").ToString()

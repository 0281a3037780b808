/// Writing a run's report: report/report.html and every one of its figures as SVG and PNG in report/figures.
module RepAlign.Analysis.ReportFiles

open System
open System.IO
open System.Threading.Tasks
open RepAlign.Core.Runs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// The folder of a report's SVG and PNG figures.
let figuresFolder (layout: RunLayout) = Path.Combine(layout.ReportDir, "figures")

/// Reads a table that an earlier stage may not have written (empty when absent).
let optional<'T when 'T: not struct and 'T: (new: unit -> 'T)> (path: string) : 'T[] =
    if File.Exists path then TableFile.Read<'T>(path) |> Seq.toArray else [||]

/// Starts reading (or computing) something on a thread of the pool: a report's tables are read side by side, each
/// reader's first use compiled on its own core.
let start (read: unit -> 'T) : Task<'T> = Task.Run<'T>(Func<'T>(read))

/// The result of a started read (its own exception, unwrapped, when it failed).
let result (task: Task<'T>) = task.GetAwaiter().GetResult()

/// Writes report.html (title, subtitle, sections) and every figure of the sections as report/figures/name.svg and
/// .png, each under a temporary name then renamed. Figures of an earlier report (other layers or pairs) are removed
/// first. The SVG and PNG files are drawn in parallel, on every core, while the page is rendered. Returns the stage's
/// outcome: report.html first, then each figure's PNG and SVG in page order.
let write (layout: RunLayout) (title: string) (subtitle: string) (sections: HtmlPage.Section list) =
    let folder = figuresFolder layout
    if Directory.Exists folder then Directory.Delete(folder, true)
    let figures = HtmlPage.figures sections
    let files = Task.Run(fun () -> FigureFiles.saveAll Environment.ProcessorCount folder figures)
    let html = HtmlPage.render title subtitle sections
    AtomicFile.WriteText(layout.Report, html)
    let paths = files.GetAwaiter().GetResult()
    StageOutcome(layout.Report :: paths |> List.toArray,
                 $"report.html ({FileInfo(layout.Report).Length / 1024L} KiB, opens offline); {figures.Length} figures as SVG and PNG in report/figures")

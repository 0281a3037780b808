namespace RepAlign.Analysis

open System.IO
open RepAlign.Core.Runs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// The report stage: reads fit/fits and fit/curves, writes report/report.html.
type ReportStage() =
    interface IStage with
        member _.Name = "report"
        member _.DependsOn = [| "fit" |]
        member _.Parameters spec = box {| report = spec.Report; name = spec.Name; model = spec.Model; train = spec.Train; data = spec.Data |}
        member _.Run context =
            let layout = context.Layout
            let fits = TableFile.Read<FitRow>(layout.Fits) |> Seq.toArray
            let curves = TableFile.Read<CurveRow>(layout.Curves) |> Seq.toArray
            let html = TwoPointReport.render context.Spec fits curves
            AtomicFile.WriteText(layout.Report, html)
            StageOutcome([| layout.Report |], $"report.html ({FileInfo(layout.Report).Length / 1024L} KiB, opens offline)")

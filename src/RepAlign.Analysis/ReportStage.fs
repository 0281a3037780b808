namespace RepAlign.Analysis

open System.IO
open RepAlign.Core.Runs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// The report stage: writes report/report.html. Two-point runs: from fit/fits and fit/curves (TwoPointReport).
/// Data-set runs (MNIST): also from analyze/layers and analyze/class_pairs, and, where they were written,
/// fit/curves, extract/probe, extract/accuracy and train/loss (MnistReport).
type ReportStage() =
    /// Reads a table that an earlier stage may not have written (empty when absent).
    static member private Optional<'T when 'T: not struct and 'T: (new: unit -> 'T)>(path: string) : 'T[] =
        if File.Exists path then TableFile.Read<'T>(path) |> Seq.toArray else [||]

    interface IStage with
        member _.Name = "report"
        member _.DependsOn = [| "fit"; "analyze" |]
        member _.Parameters spec = box {| report = spec.Report; name = spec.Name; model = spec.Model; train = spec.Train; data = spec.Data |}
        member _.Run context =
            let layout = context.Layout
            let spec = context.Spec
            let fits = TableFile.Read<FitRow>(layout.Fits) |> Seq.toArray
            let html =
                if spec.Data.Kind = RepAlign.Core.Specs.DataKind.TwoPoint then
                    let curves = TableFile.Read<CurveRow>(layout.Curves) |> Seq.toArray
                    TwoPointReport.render spec fits curves
                else
                    let layers =
                        if File.Exists layout.AnalyzeLayers then TableFile.Read<FitFrames.LayerSummary>(layout.AnalyzeLayers) |> Seq.toArray
                        else FitFrames.summariseLayers fits
                    let classPairs =
                        if File.Exists layout.AnalyzeClassPairs then TableFile.Read<FitFrames.ClassPairSummary>(layout.AnalyzeClassPairs) |> Seq.toArray
                        else FitFrames.summariseClassPairs fits
                    MnistReport.render spec fits (ReportStage.Optional<CurveRow> layout.Curves) layers classPairs
                        (ReportStage.Optional<ProbeRow> layout.Probe) (ReportStage.Optional<AccuracyRow> layout.Accuracy)
                        (ReportStage.Optional<EpochRow> layout.Loss)
            AtomicFile.WriteText(layout.Report, html)
            StageOutcome([| layout.Report |], $"report.html ({FileInfo(layout.Report).Length / 1024L} KiB, opens offline)")

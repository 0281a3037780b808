namespace RepAlign.Analysis

open System.IO
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// The report of a data-set (MNIST) run: report/report.html and its figures in report/figures (DatasetReport), from
/// fit/fits and analyze/layers and analyze/class_pairs and, where they were written, fit/curves, extract/probe,
/// extract/accuracy and train/loss.
type DatasetReportStage() =
    /// The report of the run in layout: its title, subtitle and sections (what Run writes). The tables are read side by side.
    static member Page(spec: RepAlign.Core.Specs.ExperimentSpec, layout: RunLayout) =
        let fits = ReportFiles.start (fun () -> TableFile.Read<FitRow>(layout.Fits) |> Seq.toArray)
        let curves = ReportFiles.start (fun () -> ReportFiles.optional<CurveRow> layout.Curves)
        let probe = ReportFiles.start (fun () -> ReportFiles.optional<ProbeRow> layout.Probe)
        let accuracy = ReportFiles.start (fun () -> ReportFiles.optional<AccuracyRow> layout.Accuracy)
        let loss = ReportFiles.start (fun () -> ReportFiles.optional<EpochRow> layout.Loss)
        let layers =
            if File.Exists layout.AnalyzeLayers then ReportFiles.optional<FitFrames.LayerSummary> layout.AnalyzeLayers
            else FitFrames.summariseLayers (ReportFiles.result fits)
        let classPairs =
            if File.Exists layout.AnalyzeClassPairs then ReportFiles.optional<FitFrames.ClassPairSummary> layout.AnalyzeClassPairs
            else FitFrames.summariseClassPairs (ReportFiles.result fits)
        let inputs : DatasetReport.Inputs =
            { Fits = ReportFiles.result fits
              Curves = ReportFiles.result curves
              Layers = layers
              ClassPairs = classPairs
              Probe = ReportFiles.result probe
              Accuracy = ReportFiles.result accuracy
              Loss = ReportFiles.result loss }
        let title, subtitle = DatasetReport.titles spec
        title, subtitle, DatasetReport.sections inputs

    interface IStage with
        member _.Name = "report"
        member _.DependsOn = [| "fit"; "analyze" |]
        member _.Parameters spec = box {| report = spec.Report; name = spec.Name; model = spec.Model; train = spec.Train; data = spec.Data |}
        /// The tables of train and extract it shows where they were written (optional: absent ones hash as "absent").
        member _.Inputs(_, layout) = [| layout.Loss; layout.Probe; layout.Accuracy; layout.Curves |]
        member _.Run context =
            let title, subtitle, sections = DatasetReportStage.Page(context.Spec, context.Layout)
            ReportFiles.write context.Layout title subtitle sections

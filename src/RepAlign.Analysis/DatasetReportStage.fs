namespace RepAlign.Analysis

open System.IO
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// The report of a data-set (MNIST) run: report/report.html and its figures in report/figures (DatasetReport), from
/// fit/fits and analyze/layers and analyze/class_pairs and, where they were written, fit/curves, extract/probe,
/// extract/accuracy and train/loss.
type DatasetReportStage() =
    /// The report of the run in layout: its title, subtitle and sections (what Run writes).
    static member Page(spec: RepAlign.Core.Specs.ExperimentSpec, layout: RunLayout) =
        let fits = TableFile.Read<FitRow>(layout.Fits) |> Seq.toArray
        let inputs : DatasetReport.Inputs =
            { Fits = fits
              Curves = ReportFiles.optional<CurveRow> layout.Curves
              Layers =
                if File.Exists layout.AnalyzeLayers then TableFile.Read<FitFrames.LayerSummary>(layout.AnalyzeLayers) |> Seq.toArray
                else FitFrames.summariseLayers fits
              ClassPairs =
                if File.Exists layout.AnalyzeClassPairs then TableFile.Read<FitFrames.ClassPairSummary>(layout.AnalyzeClassPairs) |> Seq.toArray
                else FitFrames.summariseClassPairs fits
              Probe = ReportFiles.optional<ProbeRow> layout.Probe
              Accuracy = ReportFiles.optional<AccuracyRow> layout.Accuracy
              Loss = ReportFiles.optional<EpochRow> layout.Loss }
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

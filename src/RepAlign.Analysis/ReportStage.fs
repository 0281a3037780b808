namespace RepAlign.Analysis

open System.IO
open RepAlign.Core.Runs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// The report stage: writes report/report.html. Two-point runs: from fit/fits and fit/curves (TwoPointReport).
/// Data-set runs (MNIST): also from analyze/layers and analyze/class_pairs, and, where they were written,
/// fit/curves, extract/probe, extract/accuracy and train/loss (MnistReport). Every figure is also written as SVG
/// and PNG in report/figures (ReportFigures).
type ReportStage() =
    /// Reads a table that an earlier stage may not have written (empty when absent).
    static member private Optional<'T when 'T: not struct and 'T: (new: unit -> 'T)>(path: string) : 'T[] =
        if File.Exists path then TableFile.Read<'T>(path) |> Seq.toArray else [||]

    interface IStage with
        member _.Name = "report"
        member _.DependsOn = [| "fit"; "analyze" |]
        member _.Parameters spec = box {| report = spec.Report; name = spec.Name; model = spec.Model; train = spec.Train; data = spec.Data |}
        /// The tables of train and extract it shows where they were written (optional: absent ones hash as "absent").
        member _.Inputs(_, layout) = [| layout.Loss; layout.Probe; layout.Accuracy; layout.Curves |]
        member _.Run context =
            let layout = context.Layout
            let spec = context.Spec
            let fits = TableFile.Read<FitRow>(layout.Fits) |> Seq.toArray
            let figuresDir = Path.Combine(layout.ReportDir, "figures")
            // Figures of an earlier report (other layers or pairs) must not linger beside this one's.
            if Directory.Exists figuresDir then Directory.Delete(figuresDir, true)
            let html, figures =
                if spec.Data.Kind = RepAlign.Core.Specs.DataKind.TwoPoint then
                    let curves = TableFile.Read<CurveRow>(layout.Curves) |> Seq.toArray
                    TwoPointReport.render spec fits curves, ReportFigures.twoPoint figuresDir curves
                else
                    let layers =
                        if File.Exists layout.AnalyzeLayers then TableFile.Read<FitFrames.LayerSummary>(layout.AnalyzeLayers) |> Seq.toArray
                        else FitFrames.summariseLayers fits
                    let classPairs =
                        if File.Exists layout.AnalyzeClassPairs then TableFile.Read<FitFrames.ClassPairSummary>(layout.AnalyzeClassPairs) |> Seq.toArray
                        else FitFrames.summariseClassPairs fits
                    let curves = ReportStage.Optional<CurveRow> layout.Curves
                    let probe = ReportStage.Optional<ProbeRow> layout.Probe
                    let accuracy = ReportStage.Optional<AccuracyRow> layout.Accuracy
                    let loss = ReportStage.Optional<EpochRow> layout.Loss
                    MnistReport.render spec fits curves layers classPairs probe accuracy loss,
                    ReportFigures.mnist figuresDir fits curves layers classPairs probe accuracy loss
            AtomicFile.WriteText(layout.Report, html)
            StageOutcome(Array.append [| layout.Report |] (List.toArray figures),
                         $"report.html ({FileInfo(layout.Report).Length / 1024L} KiB, opens offline); {figures.Length / 2} figures as SVG and PNG in report/figures")

namespace RepAlign.Analysis

open System.IO
open RepAlign.Core.Data
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner
open RepAlign.Pipelines.Spec
open RepAlign.Pipelines.Stages

/// The report of a point-set run (two points, XOR, context blobs): report/report.html and its figures in
/// report/figures (PointSetReport), from fit/fits, fit/curves and train/metrics; for a point set with named features
/// (context blobs) also the hidden layer of the last checkpoint (checkpoints/index.json names it).
type PointSetReportStage() =
    /// Whether the run's report shows the MDS view of its last checkpoint: its points carry named features.
    static member ShowsMds(spec: RepAlign.Core.Specs.ExperimentSpec) = (PointSet.Of spec.Data).Features.Count > 0

    /// The last checkpoint of a run (epoch, path), when its index exists and lists one.
    static member LastCheckpoint(layout: RunLayout) =
        if not (File.Exists layout.CheckpointIndex) then None
        else
            let index = CheckpointIndex.Read layout.CheckpointIndex
            if index.Count = 0 then None
            else
                let last = index |> Seq.maxBy (fun e -> e.Epoch)
                Some(last.Epoch, Path.Combine(layout.Checkpoints, last.File))

    /// The report of the run in layout: its title, subtitle and sections (what Run writes). The tables are read, and the
    /// last checkpoint's hidden layer computed, side by side.
    static member Page(spec: RepAlign.Core.Specs.ExperimentSpec, layout: RunLayout) =
        let points = PointSet.Of spec.Data
        let fits = ReportFiles.start (fun () -> TableFile.Read<FitRow>(layout.Fits) |> Seq.toArray)
        let curves = ReportFiles.start (fun () -> ReportFiles.optional<CurveRow> layout.Curves)
        let metrics = ReportFiles.start (fun () -> ReportFiles.optional<MetricRow> layout.Metrics)
        let mds =
            ReportFiles.start (fun () ->
                if points.Features.Count = 0 then None
                else
                    PointSetReportStage.LastCheckpoint layout
                    |> Option.map (fun (epoch, checkpoint) ->
                        let layer = (TrackedLayers.Of spec)[0]
                        let shown = MdsView.shownPoints points.Count
                        let squared = MdsView.squaredDistances (MdsView.hiddenRows checkpoint layer points.X points.Count)
                        ({ Layer = layer; Epoch = epoch; Shown = shown; Coordinates = MdsView.embed squared shown } : PointSetReport.Mds)))
        let inputs : PointSetReport.Inputs =
            { Points = points
              Fits = ReportFiles.result fits
              Curves = ReportFiles.result curves
              Metrics = ReportFiles.result metrics
              Mds = ReportFiles.result mds }
        let title, subtitle = PointSetReport.titles spec points
        title, subtitle, PointSetReport.sections spec inputs

    interface IStage with
        member _.Name = "report"
        member _.DependsOn = [| "fit" |]
        member _.Parameters spec =
            box {| report = spec.Report; name = spec.Name; model = spec.Model; train = spec.Train; data = spec.Data; track = spec.Track |}
        /// train/metrics (the measured distances and loss); with the MDS view, the checkpoint index and the last checkpoint.
        member _.Inputs(spec, layout) =
            [| yield layout.Metrics
               if PointSetReportStage.ShowsMds spec then
                   yield layout.CheckpointIndex
                   match PointSetReportStage.LastCheckpoint layout with
                   | Some (_, path) -> yield path
                   | None -> () |]
        member _.Run context =
            let title, subtitle, sections = PointSetReportStage.Page(context.Spec, context.Layout)
            ReportFiles.write context.Layout title subtitle sections

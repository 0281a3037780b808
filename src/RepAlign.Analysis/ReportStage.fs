namespace RepAlign.Analysis

open RepAlign.Core.Data
open RepAlign.Pipelines.Runner

// TEMPORARY: replaced by the stage graph
/// The report stage of today's single stage list: a data-set run's report (DatasetReportStage) or a point-set run's
/// (PointSetReportStage), chosen by the run's data kind.
type ReportStage() =
    static member private Of(spec: RepAlign.Core.Specs.ExperimentSpec) : IStage =
        if PointSet.IsPointSet spec.Data.Kind then PointSetReportStage() else DatasetReportStage()

    interface IStage with
        member _.Name = "report"
        member _.DependsOn = [| "fit"; "analyze" |]
        member _.Parameters spec = (ReportStage.Of spec).Parameters spec
        member _.Inputs(spec, layout) = (ReportStage.Of spec).Inputs(spec, layout)
        member _.Run context = (ReportStage.Of context.Spec).Run context

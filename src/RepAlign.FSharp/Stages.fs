/// The stages of this build: the one StageSet that the command line, the F# API and `repalign reproduce` pass to the
/// stage graph (RepAlign.Pipelines.Runner.StageGraph.For builds each family's list from it).
module RepAlign.FSharp.Stages

open RepAlign.Pipelines.Runner

/// The training core of this build: TorchSharp, or none in the extraction bundle (built with -p:TrainingCore=false).
let trainingCore : ITrainingCore option =
#if NO_TRAINING_CORE
    None
#else
    Some(RepAlign.Training.Stages.TorchTrainingCore.Instance :> ITrainingCore)
#endif

/// Every stage the stage graph needs from this build: the training core (when built with one), analysis, reports and
/// the trial summary of sweeps.
let set : StageSet =
    StageSet(
        Training = Option.toObj trainingCore,
        Analyze = RepAlign.Analysis.AnalyzeStage(),
        PointSetReport = RepAlign.Analysis.PointSetReportStage(),
        DatasetReport = RepAlign.Analysis.DatasetReportStage(),
        TrialSummary = RepAlign.Analysis.TrialSummary.TrialSummaryWriter())

/// The stages a spec runs, in order (its family's graph).
let graph (spec: RepAlign.Core.Specs.ExperimentSpec) : StageGraph = StageGraph.For(spec, set)

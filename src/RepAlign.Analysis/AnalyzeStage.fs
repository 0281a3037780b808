namespace RepAlign.Analysis

open System.IO
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// The analyze stage: reads fit/fits and writes analyze/layers (one row per hidden layer) and
/// analyze/class_pairs (one row per layer and unordered class pair; empty when the data has no labels),
/// with CSV beside them on --csv. "Described well" = converged with R² of h and of y ≥ 0.9 (FitFrames); the 95 %
/// intervals (*_lo, *_hi) are Wilson intervals of fractions and bootstrap intervals of medians seeded from train.seed
/// (FitIntervals).
type AnalyzeStage() =
    interface IStage with
        member _.Name = "analyze"
        member _.DependsOn = [| "fit" |]
        member _.Parameters spec =
            box {| name = spec.Name; kind = spec.Data.Kind; describedWellR2 = FitFrames.DescribedWellR2
                   bootstrapSeed = spec.Train.Seed; bootstrapResamples = FitIntervals.BootstrapResamples |}
        member _.Run context =
            let layout = context.Layout
            // Row group by row group, each fit cut to the columns the summaries read as it arrives: 180,000 fits stay small.
            let frame =
                ParquetGroups.Read<FitRow>(layout.Fits)
                |> Seq.collect id
                |> FitFrames.summaryFrame
            let layers = FitFrames.byLayerSeeded (int64 context.Spec.Train.Seed) frame
            let classPairs = FitFrames.byClassPair frame
            TableFile.Write(layers, layout.AnalyzeLayers, context.Csv)
            TableFile.Write(classPairs, layout.AnalyzeClassPairs, context.Csv)
            let outputs =
                [| yield layout.AnalyzeLayers
                   yield layout.AnalyzeClassPairs
                   if context.Csv then
                       yield Path.ChangeExtension(layout.AnalyzeLayers, ".csv")
                       yield Path.ChangeExtension(layout.AnalyzeClassPairs, ".csv") |]
            let classes = if classPairs.Length = 0 then "" else $"; {classPairs.Length} (layer, class pair) groups"
            StageOutcome(outputs, FitFrames.describe layers + classes)

/// The two sizes of a reproduction: the paper's, and a smoke run of every experiment in minutes.
module RepAlign.Reproduction.Profile

open System
open System.Collections.Generic
open RepAlign.Core
open RepAlign.Core.Specs
open RepAlign.Pipelines.Spec

/// Which sizes the experiments run at.
type Profile =
    /// Widths, depths, epochs and trials cut down so every experiment runs in seconds (CI).
    | Smoke
    /// The paper's settings, as the pipeline files state them.
    | Paper

/// Parses --profile.
let parse (text: string) =
    match text with
    | "smoke" -> Smoke
    | "paper" -> Paper
    | other -> Throw.BadInput<Profile>($"--profile: found '{other}', expected smoke or paper")

/// The profile's name as written on the command line.
let name = function Smoke -> "smoke" | Paper -> "paper"

/// The most trials any smoke experiment runs.
let smokeTrials = 2

let private set (key: string) (value: obj) (spec: ExperimentSpec) =
    PipelineKeys.All[key].Apply.Invoke(spec, value, "--profile smoke")

let private shrinkTo (key: string) (limit: int) (current: int) spec =
    if current > limit then set key (box (int64 limit)) spec else spec

/// Shrinks a spec for the smoke profile (applying it twice changes nothing): trials to 2, hidden layers to at most 4 (3 for the CNN, whose
/// unpadded convolutions need the width), widths to 32 (the CNN's to 64), epochs to 1000 (30 with mini-batches, 2 on MNIST), explicit
/// tracked layers rescaled to the new depth, fewer fit grid points and MNIST pairs.
let shrink (spec: ExperimentSpec) : ExperimentSpec =
    let cnn = spec.Model.Kind = ModelKind.Cnn
    let depth = min spec.Model.Depth (if cnn then 3 else 4)
    let spec =
        spec
        |> shrinkTo "experiment.trials" smokeTrials spec.Trials
        // The CNN's unpadded convolutions need 64 inputs at depth 3, even where a shrunk base left fewer.
        |> (if cnn && spec.Model.Width <> 64 then set "model.width" (box 64L) else shrinkTo "model.width" 32 spec.Model.Width)
        |> shrinkTo "model.depth" depth spec.Model.Depth
        |> shrinkTo "train.epochs" (if spec.Data.Kind = DataKind.Mnist then 2 elif spec.Train.Batch > 0 then 30 else 1000) spec.Train.Epochs
        |> shrinkTo "fit.grid_points" 40 spec.Fit.GridPoints
    let spec =
        if spec.Track.Selection = TrackSelection.List && spec.Model.Depth < (Seq.max spec.Track.Layers + 1) then
            let layers = spec.Track.Layers |> Seq.map (fun l -> box (int64 (min l (depth - 1)))) |> Seq.distinct |> List<obj>
            set "track.layers" (box layers) spec
        else spec
    if spec.Data.Kind = DataKind.Mnist then
        spec |> set "extract.pairs" (box "per-class-pair:2") |> set "extract.linear_probe" (box false)
    else spec

/// The spec adjustment of a profile (none for the paper).
let adjust profile : Func<ExperimentSpec, ExperimentSpec> option =
    match profile with
    | Smoke -> Some(Func<_, _> shrink)
    | Paper -> None

/// The MNIST folder of a reproduction: --data when given; for the paper profile's MNIST experiments the full set in
/// the fetch-mnist cache (all 60,000 training digits, accuracy on the 10,000 test digits), which must be there; the
/// smoke profile uses each pipeline's data.path (the shipped 10,000 digits).
let mnistFolder profile (data: string option) (needsMnist: bool) =
    match data, profile with
    | Some folder, _ -> Some folder
    | None, Paper when needsMnist ->
        let folder = RepAlign.Core.Data.MnistPackage.DefaultFolder
        if RepAlign.Core.Data.MnistPackage.IsPresent folder then Some folder
        else
            Throw.BadInput<string option>(
                $"--profile paper: the MNIST experiments train on all 60,000 digits, which are not in {folder}: "
                + RepAlign.Core.Data.MnistPackage.HowToGet folder
                + " (or leave them out with --only, or use --profile smoke)")
    | None, _ -> None

/// Reanalysis of stored checkpoints (RepAlign's or any exporter's) without retraining.
namespace RepAlign.FSharp

open RepAlign.Pipelines.Reanalysis

/// What `repalign reanalyze` is told: checkpoints, output folder and the optional choices.
type Reanalysis =
    { /// Folder of ONNX checkpoints (epoch = last number in each file name), or a RepAlign run folder.
      Checkpoints: string
      /// Output folder (extract/, fit/, analyze/, report/, run.json).
      Out: string
      /// MNIST IDX folder; None = the run's data.path.
      Data: string option
      /// all, random:N, classes:A-B:N, per-class-pair:N or a CSV with columns a,b; None = the default.
      Pairs: string option
      /// "auto" or graph value names; None = the default.
      Layers: string list option
      /// Seed of the pair selection.
      Seed: int
      /// Also write CSV beside every Parquet table.
      Csv: bool }

/// Functions over a reanalysis; the reanalysis comes last so they chain with |>.
module Reanalysis =
    /// A reanalysis of a folder of checkpoints (or a run folder) into an output folder.
    let create (checkpoints: string) (out: string) =
        { Checkpoints = checkpoints; Out = out; Data = None; Pairs = None; Layers = None; Seed = 0; Csv = false }

    /// The pairs to follow: all, random:N, classes:A-B:N, per-class-pair:N or a CSV with columns a,b.
    let pairs (selection: string) (r: Reanalysis) = { r with Pairs = Some selection }

    /// The layers: ["auto"] or graph value names.
    let layers (names: string list) (r: Reanalysis) = { r with Layers = Some names }

    /// The MNIST IDX folder the checkpoints were trained on.
    let data (folder: string) (r: Reanalysis) = { r with Data = Some folder }

    /// The C# request `repalign reanalyze` builds.
    let request (r: Reanalysis) =
        ReanalyzeRequest(
            Checkpoints = r.Checkpoints,
            Out = r.Out,
            Data = Option.toObj r.Data,
            Pairs = Option.toObj r.Pairs,
            Layers = (r.Layers |> Option.map (fun l -> List.toArray l :> System.Collections.Generic.IReadOnlyList<string>) |> Option.toObj),
            Seed = r.Seed,
            Csv = r.Csv)

    /// Runs extract, fit, analyze and report on the checkpoints; progress goes to the callback when given.
    let run (onProgress: (Progress -> unit) option) (r: Reanalysis) : Run =
        let observer = onProgress |> Option.map Progress.observer |> Option.defaultValue Progress.silent
        Reanalyzer.Run(request r, Stages.set, observer) |> Run.ofResult

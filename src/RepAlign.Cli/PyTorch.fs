/// PyTorch weights at the command line: the importer reanalysis is given, and repalign export.
module RepAlign.Cli.PyTorch

open Argu
open RepAlign.Core
open RepAlign.Pipelines.Reanalysis
open RepAlign.Training.PyTorch
open RepAlign.Cli.Arguments

/// RepAlign.Training's reader of PyTorch weight files, as reanalysis asks for it (reanalysis itself needs no torch).
let importer : IWeightImporter =
    { new IWeightImporter with
        member _.Extensions = WeightImport.Extensions |> Seq.toArray :> _
        member _.Check(path, model, paramMap) = WeightImport.Check(path, model, paramMap)
        member _.ToOnnx(path, model, paramMap, epoch) = WeightImport.ToOnnx(path, model, paramMap, epoch) }

/// repalign export: a run's checkpoints as PyTorch state_dicts.
let export (args: ParseResults<ExportArgs>) (info: string -> unit) =
    let format =
        match args.GetResult(ExportArgs.Format, defaultValue = "pt") with
        | "pt" -> StateDictFormat.Pt
        | "safetensors" -> StateDictFormat.Safetensors
        | other -> Throw.BadInput<StateDictFormat>($"--format: found '{other}', expected pt or safetensors")
    let run = args.GetResult ExportArgs.Run
    let written = StateDictExport.Run(run, format, args.TryGetResult ExportArgs.Out |> Option.toObj)
    info $"wrote {written.Count} state_dicts to {System.IO.Path.GetDirectoryName written[0]} ({System.IO.Path.GetFileName written[0]} … {System.IO.Path.GetFileName written[written.Count - 1]})"
    0

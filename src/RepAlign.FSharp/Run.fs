/// A run folder and its tables as Deedle frames.
namespace RepAlign.FSharp

open System.IO
open System.Reflection
open System.Text.Json.Serialization
open Deedle
open RepAlign.Core
open RepAlign.Core.Runs
open RepAlign.Core.Specs
open RepAlign.Core.Tables
open RepAlign.Pipelines.Runner

/// A run: its folder, its resolved spec and how it ended.
type Run =
    { /// The run folder (runs/&lt;experiment&gt;/&lt;run-id&gt; or --out).
      Layout: RunLayout
      /// The resolved spec the run used (from run.json).
      Spec: ExperimentSpec
      /// False when a stage failed.
      Succeeded: bool
      /// The stage that failed, if one did.
      FailedStage: string option
      /// The failure's message, or the runner's summary.
      Message: string }

/// Functions over a run; the data comes last so they chain with |>.
module Run =
    /// A run from the runner's result.
    let ofResult (result: RunResult) : Run =
        { Layout = result.Layout
          Spec = result.Spec
          Succeeded = result.Succeeded
          FailedStage = Option.ofObj result.FailedStage
          Message = result.Message }

    /// Opens a finished run folder (the one holding run.json); bad input (exit code 2 on the command line) when it is not one.
    let ``open`` (path: string) : Run =
        let layout = RunLayout(Path.GetFullPath path)
        if not (File.Exists layout.Manifest) then
            Throw.BadInput($"{path}: no run.json, expected a run folder (runs/<experiment>/<run-id>)")
        let manifest = RunManifest.Read layout.Manifest
        let failed = manifest.Stages |> Seq.tryFind (fun kv -> kv.Value.State = StageState.Failed)
        { Layout = layout
          Spec = manifest.Spec
          Succeeded = failed.IsNone
          FailedStage = failed |> Option.map (fun kv -> kv.Key)
          Message = failed |> Option.map (fun kv -> kv.Value.Message) |> Option.defaultValue "" }

    /// Fails (WorkFailedException) when the run failed, naming the stage and its message; else returns the run.
    let ensureSucceeded (run: Run) =
        if not run.Succeeded then
            let stage = Option.defaultValue "?" run.FailedStage
            Throw.WorkFailed($"stage '{stage}' of {run.Layout.Root} failed: {run.Message}")
        run

    /// A table's rows as a frame whose column names are the table's own (those of its CSV: pair, layer, eta_h, …).
    let private frameOf<'T> (rows: 'T seq) : Frame<int, string> =
        let names =
            typeof<'T>.GetProperties(BindingFlags.Public ||| BindingFlags.Instance)
            |> Array.choose (fun p ->
                match p.GetCustomAttribute<JsonPropertyNameAttribute>() with
                | null -> None
                | a -> Some(p.Name, a.Name))
            |> dict
        Frame.ofRecords rows
        |> Frame.mapColKeys (fun k -> match names.TryGetValue k with | true, n -> n | _ -> k)

    /// Reads a Parquet table of the run as records (the path relative to the run folder, e.g. "fit/fits.parquet").
    let table<'T when 'T: not struct and 'T: (new: unit -> 'T)> (relative: string) (run: Run) : 'T[] =
        TableFile.Read<'T>(run.Layout.Absolute relative) |> Seq.toArray

    /// fit/fits as a frame, one row per (pair, layer); columns as in fit/fits.csv (pair, layer, a, b, label_a, label_b,
    /// dx2, dy2, eta_h, eta_y, eta_ybar, …, fit_seconds).
    let fits (run: Run) : Frame<int, string> = TableFile.Read<FitRow>(run.Layout.Fits) |> frameOf

    /// fit/curves as a frame: measured h2, y2, w, loss and the fitted h2_fit, y2_fit, w_fit, loss_fit per (pair, layer, epoch).
    let curves (run: Run) : Frame<int, string> = TableFile.Read<CurveRow>(run.Layout.Curves) |> frameOf

    /// extract/pairs as a frame (data-set runs): epoch, layer, pair, a, b, label_a, label_b, dx2, dy2, h2, y2, w.
    let pairs (run: Run) : Frame<int, string> = TableFile.Read<PairRow>(run.Layout.Pairs) |> frameOf

    /// train/metrics as a frame (point-set runs): online h2, y2, w, loss, ybar0 per epoch, layer and pair.
    let metrics (run: Run) : Frame<int, string> = TableFile.Read<MetricRow>(run.Layout.Metrics) |> frameOf

    /// analyze/layers as a frame, one row per hidden layer (the analyze stage's summary).
    let layers (run: Run) : Frame<int, string> =
        TableFile.Read<RepAlign.Analysis.FitFrames.LayerSummary>(run.Layout.AnalyzeLayers) |> frameOf

    /// analyze/class_pairs as a frame, one row per layer and unordered class pair (empty without labels).
    let classPairs (run: Run) : Frame<int, string> =
        TableFile.Read<RepAlign.Analysis.FitFrames.ClassPairSummary>(run.Layout.AnalyzeClassPairs) |> frameOf

    /// The path of report/report.html (it exists once the report stage has run).
    let report (run: Run) = run.Layout.Report

    /// The folder of the report's figures as SVG and PNG (report/figures).
    let figures (run: Run) = Path.Combine(run.Layout.ReportDir, "figures")

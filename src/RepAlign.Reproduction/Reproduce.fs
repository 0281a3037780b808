/// repalign reproduce: runs the paper's experiments, writes reproduction.csv and reproduction.html.
module RepAlign.Reproduction.Reproduce

open System
open System.Diagnostics
open System.IO
open RepAlign.Core
open RepAlign.Core.Runs
open RepAlign.Core.Tables
open RepAlign.Analysis
open RepAlign.Reproduction.Evidence
open RepAlign.Reproduction.Runs

/// One experiment: its name (the pipeline's stem), section title and how to run and measure it.
type Experiment =
    { Name: string
      Title: string
      Measure: Context -> Outcome }
    /// The command that runs the experiment's pipeline alone.
    member e.Command = $"repalign run pipelines/{e.Name}.toml"

/// Every experiment of docs/theory.md §3, in its order.
let experiments =
    [ { Name = "architectures"; Title = "1 · Universality across architectures"; Measure = TwoPointExperiments.architectures }
      { Name = "init-scale"; Title = "2 · Initial weight scale"; Measure = TwoPointExperiments.initScale }
      { Name = "mnist-pairs"; Title = "3 · An MNIST pair"; Measure = MnistExperiments.mnistPairs }
      { Name = "final-distance"; Title = "4 · Final representational distance"; Measure = TwoPointExperiments.finalDistance }
      { Name = "depth"; Title = "5 · Depth"; Measure = TwoPointExperiments.depth }
      { Name = "alternative-dynamics"; Title = "6 · Alternative dynamics"; Measure = TwoPointExperiments.alternativeDynamics }
      { Name = "xor"; Title = "7 · XOR"; Measure = PointSetExperiments.xor }
      { Name = "mnist-structure"; Title = "8 · MNIST structure"; Measure = MnistExperiments.mnistStructure }
      { Name = "context-blobs"; Title = "9 · Context blobs"; Measure = PointSetExperiments.contextBlobs } ]

/// The experiments named in --only (all when empty); an unknown name is bad input.
let select (only: string list) =
    let names = experiments |> List.map (fun e -> e.Name)
    for n in only do
        if not (List.contains n names) then
            let all = String.Join(", ", names)
            Throw.BadInput($"--only: unknown experiment '{n}'{Suggest.DidYouMean(n, names)} (experiments: {all})")
    if only.IsEmpty then experiments else experiments |> List.filter (fun e -> List.contains e.Name only)

/// The CSV file name.
let csvName = "reproduction.csv"

/// The HTML file name.
let htmlName = "reproduction.html"

/// Runs one experiment; a failure of its work becomes a "failed" outcome so the others still run.
let private measure (ctx: Context) (experiment: Experiment) (log: string -> unit) =
    let clock = Stopwatch.StartNew()
    log $"▶ {experiment.Title} ({Profile.name ctx.Profile} profile)"
    try
        let outcome = experiment.Measure ctx
        { outcome with Seconds = clock.Elapsed.TotalSeconds }
    with
    | :? WorkFailedException as e -> failedOutcome experiment.Name e.Message clock.Elapsed.TotalSeconds
    | e when not (e :? BadInputException) && not (e :? OperationCanceledException) ->
        // A defect in one experiment's analysis must not cost the hours of the others; it is reported in full.
        failedOutcome experiment.Name $"internal error: {e}" clock.Elapsed.TotalSeconds

/// Seconds of work recorded in the run folders of one experiment (every stage of every run, whenever it ran).
let computeSeconds (ctx: Context) (name: string) =
    let folder = Path.Combine(ctx.Out, name)
    if not (Directory.Exists folder) then 0.0
    else
        Directory.EnumerateFiles(folder, "run.json", SearchOption.AllDirectories)
        |> Seq.sumBy (fun m -> (RunManifest.Read m).Stages.Values |> Seq.sumBy (fun s -> s.Seconds))

/// The page: a summary table, then each experiment's sentence, quantities and figures.
let private page (ctx: Context) (outcomes: (Experiment * Outcome) list) (seconds: float) =
    let rowCells (r: ReproductionRow) = [ r.Quantity; HtmlPage.fmt r.Value; r.PaperValue; r.Verdict; r.Note ]
    let counts = outcomes |> List.collect (fun (_, o) -> o.Rows) |> List.countBy (fun r -> r.Verdict) |> List.map (fun (v, n) -> $"{n} {v}") |> String.concat ", "
    let sections =
        [ for e, o in outcomes ->
            { HtmlPage.Heading = e.Title
              HtmlPage.Text = $"{o.Sentence} Run alone: {e.Command}. Work recorded in its runs: {computeSeconds ctx e.Name / 60.0:F1} min (sum over runs); this pass: {o.Seconds:F0} s."
              HtmlPage.Blocks =
                [ HtmlPage.Table([ "quantity"; "value"; "paper"; "verdict"; "note" ], o.Rows |> List.map rowCells)
                  HtmlPage.Figures o.Figure.Panels ] } ]
    let machine = $"{Environment.ProcessorCount} cores, {Runtime.InteropServices.RuntimeInformation.OSDescription}"
    let subtitle =
        let date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Globalization.CultureInfo.InvariantCulture)
        $"Profile {Profile.name ctx.Profile}; {date} UTC on {machine}; this pass {seconds / 60.0:F1} min (stages done before were skipped). Verdicts: {counts}. "
        + "η = 1/(2τ) under the 0.5·MSE loss. Smoke-profile numbers test the plumbing, not the paper."
    HtmlPage.render "RepAlign — reproducing When Representations Align" subtitle sections

/// Writes an experiment's figure as the paper lays it out (figures/<name>.svg and .png); a failure to draw it is
/// logged and costs only the figure, not the measured rows.
let private writeFigure (ctx: Context) (outcome: Outcome) (log: string -> unit) =
    try
        for path in PaperFigures.write ctx.Out outcome do log $"  figure: {path}"
    with e when not (e :? OperationCanceledException) ->
        log $"  figure of {outcome.Name} not written: {e.Message}"

/// Runs the experiments (see select) into ctx.Out and writes reproduction.csv, reproduction.html and each
/// experiment's figure in figures/ as SVG and PNG (each written to a temporary name and renamed). Returns the outcomes.
let run (ctx: Context) (selected: Experiment list) (log: string -> unit) =
    Directory.CreateDirectory ctx.Out |> ignore
    let clock = Stopwatch.StartNew()
    let outcomes =
        [ for e in selected do
            let o = measure ctx e log
            for r in o.Rows do log $"  {r.Quantity}: {HtmlPage.fmt r.Value} ({r.Verdict})"
            writeFigure ctx o log
            yield e, o ]
    let rows = outcomes |> List.collect (fun (_, o) -> o.Rows)
    TableFile.WriteCsv(rows, Path.Combine(ctx.Out, csvName))
    AtomicFile.WriteText(Path.Combine(ctx.Out, htmlName), page ctx outcomes clock.Elapsed.TotalSeconds)
    outcomes |> List.map snd

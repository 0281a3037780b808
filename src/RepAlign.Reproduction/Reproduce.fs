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
      Measure: Context -> Outcome
      /// Cheap enough to repeat over the seeds of `reproduce --seeds` (every experiment but the two on MNIST).
      Cheap: bool }
    /// The command that runs the experiment's pipeline alone.
    member e.Command = $"repalign run pipelines/{e.Name}.toml"

/// Every experiment of docs/theory.md §3, in its order.
let experiments =
    [ { Name = "architectures"; Title = "1 · Universality across architectures"; Measure = TwoPointExperiments.architectures; Cheap = true }
      { Name = "init-scale"; Title = "2 · Initial weight scale"; Measure = TwoPointExperiments.initScale; Cheap = true }
      { Name = "mnist-pairs"; Title = "3 · An MNIST pair"; Measure = MnistExperiments.mnistPairs; Cheap = false }
      { Name = "final-distance"; Title = "4 · Final representational distance"; Measure = TwoPointExperiments.finalDistance; Cheap = true }
      { Name = "depth"; Title = "5 · Depth"; Measure = TwoPointExperiments.depth; Cheap = true }
      { Name = "alternative-dynamics"; Title = "6 · Alternative dynamics"; Measure = TwoPointExperiments.alternativeDynamics; Cheap = true }
      { Name = "xor"; Title = "7 · XOR"; Measure = PointSetExperiments.xor; Cheap = true }
      { Name = "mnist-structure"; Title = "8 · MNIST structure"; Measure = MnistExperiments.mnistStructure; Cheap = false }
      { Name = "context-blobs"; Title = "9 · Context blobs"; Measure = PointSetExperiments.contextBlobs; Cheap = true } ]

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

/// The file of every seed's own values and verdicts.
let seedsCsvName = "reproduction-seeds.csv"

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

/// Seconds of work recorded in the run folders of one experiment (every stage of every run, whenever it ran) for
/// seed indices 0 … seeds − 1.
let computeSeconds (ctx: Context) (seeds: int) (name: string) =
    let recorded folder =
        if not (Directory.Exists folder) then 0.0
        else
            Directory.EnumerateFiles(folder, "run.json", SearchOption.AllDirectories)
            |> Seq.sumBy (fun m -> (RunManifest.Read m).Stages.Values |> Seq.sumBy (fun s -> s.Seconds))
    List.sumBy (fun k -> recorded (Path.Combine(seedFolder { ctx with SeedIndex = k }, name))) [ 0 .. seeds - 1 ]

/// The page: a summary table, then each experiment's sentence, quantities and figures.
let private page (ctx: Context) (seeds: int) (outcomes: (Experiment * Outcome) list) (seconds: float) =
    let rowCells (r: ReproductionRow) = [ r.Quantity; Seeds.show r; r.PaperValue; r.Verdict; r.Note ]
    let counts = outcomes |> List.collect (fun (_, o) -> o.Rows) |> List.countBy (fun r -> r.Verdict) |> List.map (fun (v, n) -> $"{n} {v}") |> String.concat ", "
    let sections =
        [ for e, o in outcomes ->
            { HtmlPage.Heading = e.Title
              HtmlPage.Text = $"{o.Sentence} Run alone: {e.Command}. Work recorded in its runs: {computeSeconds ctx seeds e.Name / 60.0:F1} min (sum over runs); this pass: {o.Seconds:F0} s."
              HtmlPage.Blocks =
                [ HtmlPage.Table([ "quantity"; "value"; "paper"; "verdict"; "note" ], o.Rows |> List.map rowCells)
                  HtmlPage.Figures o.Figure.Panels ] } ]
    let machine = $"{Environment.ProcessorCount} cores, {Runtime.InteropServices.RuntimeInformation.OSDescription}"
    let subtitle =
        let date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", Globalization.CultureInfo.InvariantCulture)
        let seedText = if seeds > 1 then $"{seeds} seeds (value = mean ± sd over the seeds; figures and sentences from seed 0); " else ""
        $"Profile {Profile.name ctx.Profile}; {seedText}{date} UTC on {machine}; this pass {seconds / 60.0:F1} min (stages done before were skipped). Verdicts: {counts}. "
        + "η = 1/(2τ) under the 0.5·MSE loss. Smoke-profile numbers test the plumbing, not the paper."
    HtmlPage.render "RepAlign — reproducing When Representations Align" subtitle sections

/// Writes an experiment's figure as the paper lays it out (figures/<name>.svg and .png); a failure to draw it is
/// logged and costs only the figure, not the measured rows.
let private writeFigure (ctx: Context) (outcome: Outcome) (log: string -> unit) =
    try
        for path in PaperFigures.write ctx.Out outcome do log $"  figure: {path}"
    with e when not (e :? OperationCanceledException) ->
        log $"  figure of {outcome.Name} not written: {e.Message}"

/// Seed 0's outcome, then (for a cheap experiment) those of seed indices 1 … seeds − 1, each in its own folder.
let private measureSeeds (ctx: Context) (seeds: int) (experiment: Experiment) (log: string -> unit) =
    let count = if experiment.Cheap then seeds else 1
    [ for k in 0 .. count - 1 do
        if k > 0 then log $"  seed {k} of {count} (train.seed + {k * seedSpan}) in {seedFolder { ctx with SeedIndex = k }}"
        yield measure { ctx with SeedIndex = k } experiment log ]

/// The experiment's outcome over its seeds: seed 0's sentence and figure, rows combined over the seeds (Seeds.combine).
let private combined (seeds: int) (experiment: Experiment) (perSeed: Outcome list) =
    let first = List.head perSeed
    let oneSeed = seeds > 1 && not experiment.Cheap
    let rows = Seeds.combine [ for o in perSeed -> o.Rows ]
    if oneSeed then
        for r in rows do r.Note <- (if r.Note = "" then "" else r.Note + "; ") + "one seed: too expensive to repeat over --seeds"
    { first with Rows = rows; Seconds = perSeed |> List.sumBy (fun o -> o.Seconds) }

/// Runs the experiments (see select) into ctx.Out, the cheap ones over `seeds` seed indices (seedFolder), and writes
/// reproduction.csv (each quantity's mean, sd and seeds), reproduction-seeds.csv (every seed's value and verdict),
/// reproduction.html and each experiment's figure (seed 0's) in figures/ as SVG and PNG (each written to a temporary
/// name and renamed). Returns the combined outcomes.
let run (ctx: Context) (seeds: int) (selected: Experiment list) (log: string -> unit) =
    Directory.CreateDirectory ctx.Out |> ignore
    let clock = Stopwatch.StartNew()
    let measured =
        [ for e in selected do
            let perSeed = measureSeeds ctx seeds e log
            let o = combined seeds e perSeed
            for r in o.Rows do log $"  {r.Quantity}: {Seeds.show r} ({r.Verdict})"
            writeFigure ctx (List.head perSeed) log
            yield e, o, perSeed ]
    let outcomes = measured |> List.map (fun (e, o, _) -> e, o)
    let rows = outcomes |> List.collect (fun (_, o) -> o.Rows)
    TableFile.WriteCsv(rows, Path.Combine(ctx.Out, csvName))
    let seedRows = measured |> List.collect (fun (_, _, perSeed) -> perSeed |> List.mapi (fun k o -> Seeds.seedRows k o.Rows) |> List.concat)
    TableFile.WriteCsv(seedRows, Path.Combine(ctx.Out, seedsCsvName))
    AtomicFile.WriteText(Path.Combine(ctx.Out, htmlName), page ctx seeds outcomes clock.Elapsed.TotalSeconds)
    outcomes |> List.map snd

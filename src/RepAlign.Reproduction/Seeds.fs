/// Seeds as a dimension of `repalign reproduce --seeds N`: each seed's rows combined into one row per quantity
/// (mean, sd, seeds, one verdict), and the per-seed values kept in reproduction-seeds.csv (README.md,
/// "Reproducing the paper").
module RepAlign.Reproduction.Seeds

open System
open System.Text.Json.Serialization
open RepAlign.Reproduction.Evidence

/// One row of reproduction-seeds.csv: one seed's value and verdict of a quantity.
[<AllowNullLiteral>]
type SeedRow() =
    /// Experiment name (its pipeline file's stem).
    [<JsonPropertyName("experiment")>] member val Experiment = "" with get, set
    /// What was measured.
    [<JsonPropertyName("quantity")>] member val Quantity = "" with get, set
    /// Seed index (0 = the reproduction's own seeds; k adds k × Runs.seedSpan to every run's train.seed).
    [<JsonPropertyName("seed")>] member val Seed = 0 with get, set
    /// This seed's value.
    [<JsonPropertyName("value")>] member val Value = 0.0 with get, set
    /// This seed's verdict.
    [<JsonPropertyName("verdict")>] member val Verdict = "" with get, set

/// The per-seed rows of seed index `seed`.
let seedRows (seed: int) (rows: ReproductionRow list) =
    [ for r in rows -> SeedRow(Experiment = r.Experiment, Quantity = r.Quantity, Seed = seed, Value = r.Value, Verdict = r.Verdict) ]

/// The verdict over seeds: the seeds' common verdict when they all agree, else "seeds disagree". Every check of the
/// experiments is a threshold or an interval, so when each seed's value passes (or fails) it, so does their mean:
/// the common verdict is the verdict of the mean under the same check.
let verdictOf (verdicts: string list) =
    match List.distinct verdicts with
    | [ one ] -> one
    | [] -> Verdict.notMeasured
    | _ -> Verdict.seedsDisagree

/// One quantity's rows from several seeds (seed 0's first) as one row: its mean, sd, number of seeds and the
/// verdict over seeds; the paper's value and the note are the first seed's.
let combineQuantity (rows: ReproductionRow list) =
    let first = List.head rows
    let value, sd = RepAlign.Analysis.TrialSummary.meanSd [ for r in rows -> r.Value ]
    ReproductionRow(Experiment = first.Experiment, Quantity = first.Quantity, Value = value,
                    PaperValue = first.PaperValue, Verdict = verdictOf [ for r in rows -> r.Verdict ], Note = first.Note,
                    Sd = sd, Seeds = rows.Length)

/// Rows of several seeds (each seed's list, seed 0's first) matched by (experiment, quantity) and combined, in the
/// order the quantities first appear; a quantity only some seeds measured is combined over those.
let combine (perSeed: ReproductionRow list list) =
    perSeed
    |> List.concat
    |> List.groupBy (fun r -> r.Experiment, r.Quantity)
    |> List.map (snd >> combineQuantity)

/// The value cell of reproduction.html: "mean ± sd (n seeds)", or the value alone for one seed.
let show (row: ReproductionRow) =
    if row.Seeds > 1 then $"{fmtValue row.Value} ± {fmtValue row.Sd} ({row.Seeds} seeds)" else fmtValue row.Value

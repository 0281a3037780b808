/// What an experiment yields: quantities with the paper's value and a verdict, figures, one sentence.
module RepAlign.Reproduction.Evidence

open System
open System.Text.Json.Serialization

/// A value for a sentence: four significant digits, "–" for NaN.
let fmtValue (x: float) = RepAlign.Analysis.HtmlPage.fmt x

/// Verdicts, as written in reproduction.csv.
module Verdict =
    /// The measured value meets the paper's value or claim.
    let agrees = "agrees"
    /// It does not.
    let differs = "differs"
    /// the paper states no value or claim to compare with.
    let noReference = "no reference"
    /// The value could not be measured (NaN: a failed fit, too few runs kept).
    let notMeasured = "not measured"
    /// The experiment failed before it could be measured.
    let failed = "failed"
    /// Over several seeds (`reproduce --seeds`), the seeds' own verdicts differ: the claim holds for some networks only.
    let seedsDisagree = "seeds disagree"

/// One row of reproduction.csv: a quantity an experiment measured (the mean over its seeds), the paper's value or
/// claim, the verdict, and the spread over the seeds.
[<AllowNullLiteral>]
type ReproductionRow() =
    /// Experiment name (its pipeline file's stem).
    [<JsonPropertyName("experiment")>] member val Experiment = "" with get, set
    /// What was measured.
    [<JsonPropertyName("quantity")>] member val Quantity = "" with get, set
    /// The measured value: the mean over the seeds that measured it (NaN when it could not be measured).
    [<JsonPropertyName("value")>] member val Value = 0.0 with get, set
    /// The paper's value or claim, or the reference it is judged against ("" where none exists).
    [<JsonPropertyName("paper_value")>] member val PaperValue = "" with get, set
    /// agrees, differs, no reference, not measured, failed, or seeds disagree.
    [<JsonPropertyName("verdict")>] member val Verdict = "" with get, set
    /// How the value was obtained, or why it differs.
    [<JsonPropertyName("note")>] member val Note = "" with get, set
    /// Sample standard deviation of the value over the seeds (NaN with fewer than two measured seeds).
    [<JsonPropertyName("sd")>] member val Sd = nan with get, set
    /// How many seeds measured this quantity (`reproduce --seeds`; 1 by default).
    [<JsonPropertyName("seeds")>] member val Seeds = 1 with get, set

/// A measured quantity judged against a claim: `check` decides agreement; NaN is "not measured".
let judged experiment quantity (value: float) paper (check: float -> bool) note =
    let verdict =
        if Double.IsNaN value then Verdict.notMeasured
        elif check value then Verdict.agrees
        else Verdict.differs
    ReproductionRow(Experiment = experiment, Quantity = quantity, Value = value, PaperValue = paper, Verdict = verdict, Note = note)

/// A measured quantity with nothing to compare it with.
let reported experiment quantity (value: float) note =
    ReproductionRow(Experiment = experiment, Quantity = quantity, Value = value, PaperValue = "",
                    Verdict = (if Double.IsNaN value then Verdict.notMeasured else Verdict.noReference), Note = note)

/// What one experiment produced.
type Outcome =
    { /// Pipeline name (the file's stem), e.g. "depth".
      Name: string
      /// One or two sentences on what the figure shows and how it compares with the paper.
      Sentence: string
      Rows: ReproductionRow list
      /// The figure as the paper lays it out: its panels drawn interactively in reproduction.html and as
      /// figures/<name>.svg and .png (PaperFigures).
      Figure: RepAlign.Analysis.Figure.Panels
      Seconds: float }

/// An experiment that could not be measured: one "failed" row naming the reason.
let failedOutcome name (message: string) seconds =
    { Name = name
      Sentence = $"The experiment failed: {message}"
      Rows = [ ReproductionRow(Experiment = name, Quantity = "experiment", Value = nan, PaperValue = "", Verdict = Verdict.failed, Note = message) ]
      Figure = RepAlign.Analysis.Figure.noPanels name
      Seconds = seconds }

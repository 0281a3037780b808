namespace RepAlign.Pipelines.Runner;

/// <summary>The files of one run folder (docs/design.md "The run store"); paths are absolute, <see cref="Relative"/> gives the manifest's form.</summary>
/// <param name="Root">The run folder.</param>
public sealed record RunLayout(string Root)
{
    /// <summary>run.json.</summary>
    public string Manifest => Path.Combine(Root, "run.json");
    /// <summary>Per-epoch loss and online pair metrics.</summary>
    public string Metrics => Path.Combine(Root, "train", "metrics.parquet");
    /// <summary>Per-epoch mean training loss of data-set runs (MNIST).</summary>
    public string Loss => Path.Combine(Root, "train", "loss.parquet");
    /// <summary>Folder of ONNX checkpoints.</summary>
    public string Checkpoints => Path.Combine(Root, "checkpoints");
    /// <summary>Index of the checkpoints: epoch, file, SHA-256.</summary>
    public string CheckpointIndex => Path.Combine(Root, "checkpoints", "index.json");
    /// <summary>A point set's pair metrics re-measured from its checkpoints by ONNX Runtime (the check stage).</summary>
    public string Checked => Path.Combine(Root, "check", "pairs.parquet");
    /// <summary>Pair metrics computed from the checkpoints by ONNX Runtime.</summary>
    public string Pairs => Path.Combine(Root, "extract", "pairs.parquet");
    /// <summary>Linear-probe accuracy per checkpoint and layer.</summary>
    public string Probe => Path.Combine(Root, "extract", "probe.parquet");
    /// <summary>Network accuracy on the held-out images per checkpoint.</summary>
    public string Accuracy => Path.Combine(Root, "extract", "accuracy.parquet");
    /// <summary>One fit per (pair, layer).</summary>
    public string Fits => Path.Combine(Root, "fit", "fits.parquet");
    /// <summary>The fitted curves at every fitted epoch.</summary>
    public string Curves => Path.Combine(Root, "fit", "curves.parquet");
    /// <summary>Per-layer summaries of the fits.</summary>
    public string AnalyzeLayers => Path.Combine(Root, "analyze", "layers.parquet");
    /// <summary>Per-(layer, class pair) summaries of the fits.</summary>
    public string AnalyzeClassPairs => Path.Combine(Root, "analyze", "class_pairs.parquet");
    /// <summary>The report folder.</summary>
    public string ReportDir => Path.Combine(Root, "report");
    /// <summary>The self-contained HTML report.</summary>
    public string Report => Path.Combine(Root, "report", "report.html");

    /// <summary>A path relative to the run folder, with forward slashes.</summary>
    public string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>An absolute path from a run-relative one.</summary>
    public string Absolute(string relative) => Path.Combine(Root, relative);
}

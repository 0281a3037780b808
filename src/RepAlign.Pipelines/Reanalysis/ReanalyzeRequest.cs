using RepAlign.Core.Data;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Reanalysis;

/// <summary>What <c>repalign reanalyze</c> was asked to do.</summary>
public sealed record ReanalyzeRequest
{
    /// <summary>A folder of ONNX checkpoints (one per epoch or step, named as <see cref="Inference.Graphs.CheckpointName"/> reads), of PyTorch weight files (with <see cref="Model"/>), or a RepAlign run folder.</summary>
    public required string Checkpoints { get; init; }

    /// <summary>
    /// A pipeline file, or a file with only a <c>[model]</c> table, describing the network that the folder's PyTorch
    /// weight files (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>, <c>.safetensors</c>, Lightning's <c>.ckpt</c>) belong to;
    /// only its model is used. Null = the folder holds ONNX checkpoints.
    /// </summary>
    public string? Model { get; init; }

    /// <summary>With <see cref="Model"/>: a CSV with columns <c>name,parameter</c> binding file tensors to the network's parameters by name; null = by order and shape.</summary>
    public string? ParamMap { get; init; }

    /// <summary>Folder of MNIST IDX files; null = the run's data.path (run folders only).</summary>
    public string? Data { get; init; }

    /// <summary>Pair selection (all, random:N, classes:A-B:N, per-class-pair:N or a CSV file); null = the run's, else per-class-pair:10.</summary>
    public string? Pairs { get; init; }

    /// <summary>"auto" (nonlinearity outputs in topological order) or graph value names; null = the run's tracked layers, else auto.</summary>
    public IReadOnlyList<string>? Layers { get; init; }

    /// <summary>The graph input fed with images; null = the graph's only input.</summary>
    public string? Input { get; init; }

    /// <summary>The input normalisation; null = the run's, else mnist.</summary>
    public MnistNormalization? Normalize { get; init; }

    /// <summary>ONNX Runtime's execution provider.</summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>Output folder (a run folder of its own).</summary>
    public required string Out { get; init; }

    /// <summary>The last stage to run (extract, fit, analyze or report); null = report.</summary>
    public string? To { get; init; }

    /// <summary>Write CSV beside every Parquet table.</summary>
    public bool Csv { get; init; }

    /// <summary>Trust no cached hash (<c>--rehash</c>): see <see cref="Runner.RunRequest.Rehash"/>.</summary>
    public bool Rehash { get; init; }

    /// <summary>Seed of the pair selection.</summary>
    public int Seed { get; init; }

    /// <summary>A regular expression reading epochs (group <c>epoch</c> or the first group) and steps (group <c>step</c>) from file names; null = the built-in rules.</summary>
    public string? EpochPattern { get; init; }

    /// <summary>The time axis the checkpoints are ordered and fitted on: epochs (default) or steps (names must give them).</summary>
    public Core.Specs.TimeAxis Time { get; init; } = Core.Specs.TimeAxis.Epoch;
}

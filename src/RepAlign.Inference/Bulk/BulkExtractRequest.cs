using RepAlign.Core;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// What <see cref="BulkPairExtractor"/> measures: checkpoints × layers × pairs of one data set.
/// The data arrays are read, never modified or copied whole.
/// </summary>
public sealed record BulkExtractRequest
{
    /// <summary>The checkpoints (epoch, ONNX file), in the order rows are written.</summary>
    public IReadOnlyList<(int Epoch, string Path)> Checkpoints { get; init; } = [];

    /// <summary>The training step of each checkpoint (same order), written to the pairs table's <c>step</c> column; null = unknown (−1).</summary>
    public IReadOnlyList<long>? Steps { get; init; }

    /// <summary>The data set's network inputs (already normalised), N × <see cref="InputWidth"/> row-major.</summary>
    public float[] Images { get; init; } = [];

    /// <summary>Values per input row (784 for MNIST).</summary>
    public int InputWidth { get; init; } = 784;

    /// <summary>The data set's targets (one-hot for MNIST), N × <see cref="TargetWidth"/> row-major.</summary>
    public float[] Targets { get; init; } = [];

    /// <summary>Values per target row (10 for MNIST); must equal the width of the model's output.</summary>
    public int TargetWidth { get; init; } = 10;

    /// <summary>Labels of the N data points (−1 where there is none); N is this array's length.</summary>
    public int[] Labels { get; init; } = [];

    /// <summary>
    /// Held-out inputs (M × <see cref="InputWidth"/>, normalised as <see cref="Images"/>) whose accuracy is measured at every
    /// checkpoint by the same sessions as the pairs (<see cref="BulkExtractSummary.HeldOut"/>); empty for none.
    /// </summary>
    public float[] HeldOutImages { get; init; } = [];

    /// <summary>The class of each of <see cref="HeldOutImages"/>' rows (M labels, 0..<see cref="TargetWidth"/>−1).</summary>
    public int[] HeldOutLabels { get; init; } = [];

    /// <summary>The pairs (a, b), indices 0..N−1 into the data set; the <c>pair</c> column is the position here.</summary>
    public (int A, int B)[] Pairs { get; init; } = [];

    /// <summary>Hidden-layer indices written to the <c>layer</c> column.</summary>
    public IReadOnlyList<int> Layers { get; init; } = [];

    /// <summary>The graph output holding each layer of <see cref="Layers"/>; null = <c>hidden_k</c> (RepAlign checkpoints).</summary>
    public IReadOnlyList<string>? LayerOutputs { get; init; }

    /// <summary>The graph output holding the prediction ŷ.</summary>
    public string PredictionOutput { get; init; } = OnnxNames.Output;

    /// <summary>Device and threads of ONNX Runtime.</summary>
    public InferenceOptions Inference { get; init; } = new();

    /// <summary>Rows per ONNX Runtime run (about 1024 is fastest for MNIST-sized MLPs on the CPU; see benchmarks/results/extract-*.md).</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>
    /// Whether the model's batch dimension is fixed at <see cref="BatchSize"/> (some foreign graphs):
    /// every run then has exactly that many rows, the last one padded with zero rows whose outputs
    /// are discarded. A model with a fixed batch dimension is refused unless this is set and
    /// <see cref="BatchSize"/> equals it.
    /// </summary>
    public bool FixedBatch { get; init; }

    /// <summary>
    /// Runs of the checkpoint's session at once, each on its own contiguous share of the distinct
    /// images with <see cref="InferenceOptions.Threads"/> threads. For small networks on a busy
    /// machine, W runs of one thread each beat one run of W threads (no per-layer synchronisation
    /// between threads); total threads = Workers × Threads.
    /// </summary>
    public int Workers { get; init; } = 1;

    /// <summary>
    /// Whether the workers keep one session for every checkpoint of one graph, binding each checkpoint's weights as
    /// inputs; null = the device's choice (<see cref="ExecutionPlan.For"/>: on CUDA only).
    /// </summary>
    public bool? ReuseSessions { get; init; }

    /// <summary>
    /// Whether outputs pass through staging buffers of the session's allocator instead of being written straight into
    /// the representation buffers; null = the device's choice (<see cref="ExecutionPlan.For"/>: on CUDA only).
    /// </summary>
    public bool? StageOutputs { get; init; }

    /// <summary>The pairs table to write (e.g. <c>extract/pairs.parquet</c>); rewritten whole, atomically.</summary>
    public string OutputParquet { get; init; } = "";

    /// <summary>The linear-probe table to write (epoch, layer, accuracy), or null for no probes.</summary>
    public string? ProbeParquet { get; init; }

    /// <summary>Probe every this many checkpoints (in list order, always including the first and the last); 1 = every checkpoint.</summary>
    public int ProbeEvery { get; init; } = 1;

    /// <summary>Seed of the linear probe's subsample, split and trainer.</summary>
    public int ProbeSeed { get; init; }

    /// <summary>
    /// Position of the first of <see cref="Checkpoints"/> in the run's whole checkpoint list, and that list's length
    /// (0 = <see cref="Checkpoints"/> is the whole list): a shard of the checkpoints probes the same checkpoints as the whole run.
    /// </summary>
    public (int Offset, int Total) CheckpointRange { get; init; }

    /// <summary>Whether to write a CSV beside each Parquet table.</summary>
    public bool Csv { get; init; }

    /// <summary>Key-value provenance stored in the Parquet footer (e.g. the pair selection's description), or null.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Checks the request; throws <see cref="BadInputException"/> naming the field.</summary>
    public void Validate()
    {
        var r = this;
        if (r.Checkpoints.Count == 0) Throw.BadValue("checkpoints", "none", "at least one ONNX checkpoint");
        foreach (var (epoch, path) in r.Checkpoints)
            if (!File.Exists(path)) Throw.BadInput($"{path}: checkpoint of epoch {epoch} not found");
        if (string.IsNullOrWhiteSpace(r.OutputParquet)) Throw.BadValue("output", "an empty path", "the path of the pairs table");
        if (r.InputWidth < 1) Throw.BadValue("input width", r.InputWidth.ToString(), "≥ 1");
        if (r.TargetWidth < 1) Throw.BadValue("target width", r.TargetWidth.ToString(), "≥ 1");
        if (r.BatchSize < 1) Throw.BadValue("batch size", r.BatchSize.ToString(), "≥ 1");
        var n = r.Labels.Length;
        if (r.Images.LongLength != (long)n * r.InputWidth)
            Throw.BadValue("images", $"{r.Images.Length} values", $"{n} images × {r.InputWidth} = {(long)n * r.InputWidth} (one row per label)");
        if (r.Targets.LongLength != (long)n * r.TargetWidth)
            Throw.BadValue("targets", $"{r.Targets.Length} values", $"{n} rows × {r.TargetWidth} = {(long)n * r.TargetWidth} (one row per label)");
        var m = r.HeldOutLabels.Length;
        if (r.HeldOutImages.LongLength != (long)m * r.InputWidth)
            Throw.BadValue("held-out images", $"{r.HeldOutImages.Length} values", $"{m} images × {r.InputWidth} = {(long)m * r.InputWidth} (one row per held-out label)");
        if (Array.FindIndex(r.HeldOutLabels, l => (uint)l >= (uint)r.TargetWidth) is var bad and >= 0)
            Throw.BadInput($"held-out labels[{bad}]: {r.HeldOutLabels[bad]}, expected a class 0..{r.TargetWidth - 1}");
        if (r.Pairs.Length == 0) Throw.BadValue("pairs", "none", "at least one pair");
        for (var p = 0; p < r.Pairs.Length; p++)
        {
            var (a, b) = r.Pairs[p];
            if ((uint)a >= (uint)n || (uint)b >= (uint)n)
                Throw.BadInput($"pairs[{p}]: ({a}, {b}) is out of range, expected image indices 0..{n - 1} (the data set has {n} images)");
        }
        if (r.Layers.Count == 0) Throw.BadValue("layers", "none", "at least one hidden layer");
        if (r.Workers < 1) Throw.BadValue("workers", r.Workers.ToString(), "≥ 1 (concurrent ONNX Runtime sessions)");
        if (r.ProbeEvery < 1) Throw.BadValue("probe every", r.ProbeEvery.ToString(), "≥ 1 (1 = every checkpoint)");
        if (r.LayerOutputs is not null && r.LayerOutputs.Count != r.Layers.Count)
            Throw.BadValue("layer outputs", $"{r.LayerOutputs.Count} names", $"one per layer ({r.Layers.Count})");
    }
}

/// <summary>What an extraction did and how fast.</summary>
/// <param name="Rows">Rows written to the pairs table (checkpoints × layers × pairs).</param>
/// <param name="Checkpoints">Checkpoints processed.</param>
/// <param name="Pairs">Pairs per checkpoint and layer.</param>
/// <param name="Layers">Layers per checkpoint.</param>
/// <param name="DistinctImages">Distinct images run through each checkpoint.</param>
/// <param name="Seconds">Wall time of the whole extraction.</param>
/// <param name="InferenceSeconds">Time inside ONNX Runtime (including gathering input rows).</param>
/// <param name="MetricsSeconds">Time computing pair metrics.</param>
/// <param name="WriteSeconds">Time writing tables.</param>
/// <param name="ProbeSeconds">Time training and evaluating linear probes, summed over the probes, each from its start to its end (they run on the thread pool beside the passes and share the cores with them, so this is more than their CPU time).</param>
/// <param name="ProbeWaitSeconds">The part of <paramref name="Seconds"/> the extraction waited for probes (at the end, or with too many in flight).</param>
/// <param name="ForwardSeconds">The part of <paramref name="InferenceSeconds"/> spent in the batched passes (gathering rows, running, copying outputs), without opening sessions or reading weights.</param>
/// <param name="Execution">How the device was used (<see cref="ExecutionPlan.Describe"/>), for messages.</param>
public sealed record BulkExtractSummary(
    long Rows, int Checkpoints, int Pairs, int Layers, int DistinctImages,
    double Seconds, double InferenceSeconds, double MetricsSeconds, double WriteSeconds, double ProbeSeconds, double ProbeWaitSeconds,
    double ForwardSeconds = 0, string Execution = "")
{
    /// <summary>
    /// The accuracy on <see cref="BulkExtractRequest.HeldOutImages"/> at each checkpoint, in checkpoint order (empty when
    /// there are none): the fraction whose largest output (the first, on a tie) is their label.
    /// </summary>
    public IReadOnlyList<Core.Tables.AccuracyRow> HeldOut { get; init; } = [];

    /// <summary>Time of the held-out images' passes and their accuracy (not part of <see cref="InferenceSeconds"/>).</summary>
    public double HeldOutSeconds { get; init; }

    /// <summary>Images per second through ONNX Runtime (checkpoints × distinct images / inference time, sessions and weights included).</summary>
    public double ImagesPerSecond => InferenceSeconds > 0 ? (double)Checkpoints * DistinctImages / InferenceSeconds : 0;

    /// <summary>Images per second of the batched passes alone (checkpoints × distinct images / forward time).</summary>
    public double ForwardImagesPerSecond => ForwardSeconds > 0 ? (double)Checkpoints * DistinctImages / ForwardSeconds : 0;

    /// <summary>How the device was used and how fast its passes ran, in words (for the extract stage's message).</summary>
    public string Describe() =>
        $"{Execution}; forward {ForwardImagesPerSecond:F0} images/s, sessions and weights {InferenceSeconds - ForwardSeconds:F2} s";

    /// <summary>Pairs per second through the whole extraction (checkpoints × pairs / wall time).</summary>
    public double PairsPerSecond => Seconds > 0 ? (double)Checkpoints * Pairs / Seconds : 0;
}

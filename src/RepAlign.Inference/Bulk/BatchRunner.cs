using Microsoft.ML.OnnxRuntime;
using RepAlign.Core;
using RepAlign.Inference.Graphs;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// One worker's batched runs through an ONNX Runtime IOBinding, with its buffers allocated once for all batches and
/// checkpoints. Input rows are gathered into a staging buffer (pinned host memory of the CUDA session, so the copy to
/// the device is a direct transfer; a pinned managed array on the CPU, read in place). Outputs go straight into the
/// caller's representation buffers, or — when staged (<see cref="ExecutionPlan.StageOutputs"/>, and always for a padded
/// fixed batch) — into staging buffers from which the real rows are copied. A weight-swap session's weights
/// (<see cref="CheckpointWeights"/>) are bound once per checkpoint: binding copies them to the device once, and they
/// stay there for every batch. On the CPU provider every step runs as well, in host memory.
/// </summary>
public sealed class BatchRunner : IDisposable
{
    private readonly string[] outputs;
    private readonly bool stageOutputs;
    private readonly RunOptions runOptions = new();
    private readonly StagingBuffer?[] staged;
    private OnnxModelRunner? runner;
    private OrtIoBinding? binding;
    private OrtAllocator? pinned;
    private StagingBuffer? input;
    private int[] widths = [];
    private long[][] tails = [];

    /// <summary>A worker that runs <paramref name="outputs"/> in batches of <paramref name="batchSize"/> rows of whatever model is attached.</summary>
    /// <param name="batchSize">Rows per run.</param>
    /// <param name="outputs">Output names.</param>
    /// <param name="stageOutputs">Whether outputs go through staging buffers (see <see cref="ExecutionPlan.StageOutputs"/>).</param>
    public BatchRunner(int batchSize, IReadOnlyList<string> outputs, bool stageOutputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (batchSize < 1) Throw.OutOfRange(nameof(batchSize), batchSize, "≥ 1 rows per run");
        BatchSize = batchSize;
        this.outputs = outputs.ToArray();
        this.stageOutputs = stageOutputs;
        staged = new StagingBuffer?[this.outputs.Length];
    }

    /// <summary>The attached model.</summary>
    public OnnxModelRunner Runner => runner ?? Throw.Invariant<OnnxModelRunner>("no model attached to the batch runner");

    /// <summary>Rows per run.</summary>
    public int BatchSize { get; }

    /// <summary>Where the staging buffers live: "pinned staging" (CUDA), "host staging" (CPU), or why a CUDA session has none pinned.</summary>
    public string Staging { get; private set; } = "host staging";

    /// <summary>The input staging rows (<see cref="BatchSize"/> × input width floats); fill the first rows, then <see cref="Run"/>.</summary>
    public Span<float> Input => (input ?? Throw.Invariant<StagingBuffer>("no model attached to the batch runner")).Span;

    /// <summary>
    /// Runs the next batches on <paramref name="model"/> (the caller keeps and disposes it). Host buffers are kept across
    /// models of one width; a CUDA session's pinned buffers belong to it and are allocated anew.
    /// </summary>
    public void Attach(OnnxModelRunner model)
    {
        ArgumentNullException.ThrowIfNull(model);
        binding?.Dispose();
        binding = null;
        runner = model;
        var newWidths = outputs.Select(model.OutputWidth).ToArray();
        for (var k = 0; k < newWidths.Length; k++)
            if (newWidths[k] < 0) Throw.Argument(nameof(model), $"{model.ModelPath}: output {outputs[k]} has a symbolic non-batch dimension");
        tails = outputs.Select(model.OutputShapeTail).ToArray();
        var cuda = model.Options.Device == Device.Cuda;
        if (cuda || pinned is not null || input?.Length != BatchSize * model.InputWidth || !newWidths.SequenceEqual(widths))
            Reallocate(model, newWidths, cuda);
        binding = model.Session.CreateIoBinding();
    }

    /// <summary>Binds a checkpoint's weights to the attached weight-swap session (on CUDA: copies them to the device, once).</summary>
    public void BindWeights(CheckpointWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var b = binding ?? Throw.Invariant<OrtIoBinding>("no model attached to the batch runner");
        for (var k = 0; k < weights.Names.Count; k++) b.BindInput(weights.Names[k], weights.Values[k]);
    }

    /// <summary>
    /// Runs the first <paramref name="runRows"/> rows of <see cref="Input"/> and puts output k's first <paramref name="rows"/>
    /// rows into <paramref name="destinations"/>[k] (rows × width_k floats); rows after <paramref name="rows"/> are the
    /// padding of a fixed batch and are dropped.
    /// </summary>
    public void Run(int rows, int runRows, IReadOnlyList<Memory<float>> destinations)
    {
        ArgumentNullException.ThrowIfNull(destinations);
        var model = Runner;
        var b = binding!;
        if (runRows < 1 || runRows > BatchSize || rows < 1 || rows > runRows)
            Throw.OutOfRange(nameof(runRows), runRows, $"1 ≤ rows ({rows}) ≤ run rows ≤ {BatchSize}");
        if (destinations.Count != outputs.Length) Throw.Argument(nameof(destinations), $"{outputs.Length} outputs but {destinations.Count} destination buffers");
        var viaStaging = stageOutputs || rows < runRows;
        var values = new OrtValue[outputs.Length + 1];
        try
        {
            values[^1] = input!.View([runRows, .. model.InputShapeTail]); // (B, d_in…)
            b.BindInput(model.InputName, values[^1]);
            for (var k = 0; k < outputs.Length; k++)
            {
                if (destinations[k].Length != rows * widths[k])
                    Throw.Argument(nameof(destinations), $"{model.ModelPath}: output {outputs[k]} needs {rows} × {widths[k]} values, the buffer has {destinations[k].Length}");
                values[k] = viaStaging
                    ? Staged(k).View([runRows, .. tails[k]]) // (B, width_k…)
                    : OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, destinations[k], [rows, .. tails[k]]);
                b.BindOutput(outputs[k], values[k]);
            }
            model.Session.RunWithBinding(runOptions, b);
            b.SynchronizeBoundOutputs();
            if (viaStaging)
                for (var k = 0; k < outputs.Length; k++)
                    Staged(k).Span[..(rows * widths[k])].CopyTo(destinations[k].Span);
        }
        finally
        {
            foreach (var v in values) v?.Dispose();
        }
    }

    /// <summary>Releases the binding and the staging buffers (not the attached model).</summary>
    public void Dispose()
    {
        binding?.Dispose();
        Free();
        runOptions.Dispose();
    }

    private StagingBuffer Staged(int k) => staged[k] ??= NewBuffer(BatchSize * widths[k]); // (B, width_k)

    private StagingBuffer NewBuffer(int length) => pinned is not null ? StagingBuffer.From(pinned, length) : StagingBuffer.Host(length);

    private void Reallocate(OnnxModelRunner model, int[] newWidths, bool cuda)
    {
        Free();
        widths = newWidths;
        Staging = "host staging";
        if (cuda)
        {
            try
            {
                using var info = new OrtMemoryInfo(OrtMemoryInfo.allocatorCUDA_PINNED, OrtAllocatorType.DeviceAllocator, model.Options.CudaDeviceId, OrtMemType.CpuOutput);
                pinned = new OrtAllocator(model.Session, info);
                Staging = "pinned staging";
            }
            catch (OnnxRuntimeException e)
            {
                // Still correct from ordinary host memory (the driver stages it); the extract stage's message shows why.
                Staging = $"host staging (no pinned allocator: {e.Message})";
            }
        }
        input = NewBuffer(BatchSize * model.InputWidth); // (B, d_in)
    }

    private void Free()
    {
        for (var k = 0; k < staged.Length; k++)
        {
            staged[k]?.Dispose();
            staged[k] = null;
        }
        input?.Dispose();
        input = null;
        pinned?.Dispose();
        pinned = null;
    }
}

namespace RepAlign.Inference.Bulk;

/// <summary>
/// How a bulk extraction uses its device, decided in one place (<see cref="For"/>) from the device and the request
/// (README "Devices"):
/// <list type="bullet">
/// <item>CPU: one session run by <see cref="BulkExtractRequest.Workers"/> threads at once (threads that live across
/// checkpoints), <see cref="BulkExtractRequest.BatchSize"/> rows per run, a fresh session per checkpoint (opening one
/// costs less than reading a checkpoint's weights into a shared session; benchmarks/results/extract-linux-x64.md),
/// outputs written straight into the representation buffers.</item>
/// <item>CUDA: one session (one stream), reused for every checkpoint of one graph with the weights bound as inputs
/// and copied to the device once per checkpoint; input rows gathered into pinned host memory and outputs copied back
/// into pinned host memory; the batch sized by <see cref="CudaBatch"/>.</item>
/// </list>
/// </summary>
public sealed record ExecutionPlan
{
    /// <summary>The most rows one CUDA run takes: far beyond what fills the GPU for MNIST-sized layers, and a bound on pinned host memory.</summary>
    public const int MaxCudaBatch = 1 << 16;

    /// <summary>The share of the GPU's free memory one run's rows may take.</summary>
    public const double CudaMemoryShare = 0.25;

    /// <summary>The memory a CUDA run assumes is free where the CUDA runtime cannot be asked: 1 GiB.</summary>
    public const long AssumedFreeBytes = 1L << 30;

    /// <summary>Bytes one row costs on the GPU per float of its input and requested outputs (see <see cref="CudaBatch"/>).</summary>
    public const int CudaBytesPerValue = 16;

    /// <summary>Threads running the session at once, each on its own contiguous share of the images.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Rows per ONNX Runtime run.</summary>
    public int BatchSize { get; init; } = 1024;

    /// <summary>
    /// Whether the workers keep one session for all checkpoints of one graph (weights bound as inputs,
    /// <see cref="Graphs.CheckpointWeights"/>) instead of opening one per checkpoint.
    /// </summary>
    public bool ReuseSessions { get; init; }

    /// <summary>
    /// Whether outputs go to staging buffers of the session's allocator (pinned host memory on CUDA) and are copied
    /// into the representation buffers, instead of ONNX Runtime writing them there itself.
    /// </summary>
    public bool StageOutputs { get; init; }

    /// <summary>
    /// The plan for <paramref name="request"/> over <paramref name="images"/> distinct images. On CUDA its batch is the
    /// requested one until <see cref="SizedFor"/> knows the model's widths.
    /// </summary>
    public static ExecutionPlan For(BulkExtractRequest request, int images)
    {
        ArgumentNullException.ThrowIfNull(request);
        var cuda = request.Inference.Device == Device.Cuda;
        return new ExecutionPlan
        {
            Workers = cuda ? 1 : Math.Max(1, Math.Min(request.Workers, images)),
            BatchSize = request.FixedBatch ? request.BatchSize : Math.Max(1, Math.Min(request.BatchSize, images)),
            ReuseSessions = request.ReuseSessions ?? cuda,
            StageOutputs = request.StageOutputs ?? cuda,
            Cuda = cuda && !request.FixedBatch,
        };
    }

    /// <summary>The plan with its CUDA batch sized by <see cref="CudaBatch"/> (the plan itself elsewhere).</summary>
    /// <param name="valuesPerRow">Floats per image of the model's input and the requested outputs.</param>
    /// <param name="freeDeviceBytes">The device's free memory (asked only on CUDA), or null when unknown.</param>
    /// <param name="images">Distinct images per checkpoint.</param>
    public ExecutionPlan SizedFor(long valuesPerRow, Func<long?> freeDeviceBytes, int images)
    {
        ArgumentNullException.ThrowIfNull(freeDeviceBytes);
        return Cuda ? this with { BatchSize = CudaBatch(images, BatchSize, valuesPerRow, freeDeviceBytes()) } : this;
    }

    /// <summary>Whether the batch is sized for a CUDA device's memory.</summary>
    private bool Cuda { get; init; }

    /// <summary>
    /// The CUDA batch: every distinct image in one run where that fits, else as many rows as fit in
    /// <see cref="CudaMemoryShare"/> of the free memory (<see cref="AssumedFreeBytes"/> when unknown) at
    /// <see cref="CudaBytesPerValue"/> bytes per float of the row's input and outputs (4 bytes each for the values
    /// themselves, the intermediate values between them, and ONNX Runtime's arena rounding blocks up to powers of two),
    /// never fewer than the requested batch size and never more than <see cref="MaxCudaBatch"/>.
    /// </summary>
    public static int CudaBatch(int images, int requested, long valuesPerRow, long? freeBytes)
    {
        var budget = (long)((freeBytes ?? AssumedFreeBytes) * CudaMemoryShare);
        var fits = budget / Math.Max(1, valuesPerRow * CudaBytesPerValue);
        var batch = Math.Max(requested, Math.Min(fits, MaxCudaBatch));
        return (int)Math.Max(1, Math.Min(batch, images));
    }

    /// <summary>The plan in words, for the extract stage's message.</summary>
    public string Describe(InferenceOptions options, string staging)
    {
        ArgumentNullException.ThrowIfNull(options);
        var device = options.Device == Device.Cuda ? $"cuda:{options.CudaDeviceId}" : $"cpu, {Workers} × {options.Threads} threads";
        var sessions = ReuseSessions ? "sessions reused, weights swapped" : "a session per checkpoint";
        return $"{device}, batch {BatchSize}, {sessions}, {staging}";
    }
}

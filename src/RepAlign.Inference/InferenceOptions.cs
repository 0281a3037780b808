namespace RepAlign.Inference;

/// <summary>How sessions are created.</summary>
public sealed record InferenceOptions
{
    /// <summary>Execution device.</summary>
    public Device Device { get; init; } = Device.Cpu;

    /// <summary>Intra-op threads of the CPU provider (0 = ONNX Runtime's default).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>CUDA device index for <see cref="Device.Cuda"/>.</summary>
    public int CudaDeviceId { get; init; }
}

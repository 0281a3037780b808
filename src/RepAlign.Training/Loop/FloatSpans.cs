using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>The memory of a contiguous float32 CPU tensor as floats, for the kernels of the fast step to read and write in place.</summary>
internal static class FloatSpans
{
    /// <summary>The elements of <paramref name="tensor"/> (contiguous float32 on the CPU; the caller checks) in memory order.</summary>
    public static Span<float> Of(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);
}

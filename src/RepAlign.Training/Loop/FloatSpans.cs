using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>The memory of a contiguous float32 CPU tensor as floats, for the kernels of the fast step to read and write in place.</summary>
internal static class FloatSpans
{
    /// <summary>The elements of <paramref name="tensor"/> (contiguous float32 on the CPU; the caller checks) in memory order.</summary>
    public static Span<float> Of(Tensor tensor) => MemoryMarshal.Cast<byte, float>(tensor.bytes);

    /// <summary>Whether <paramref name="tensor"/>'s memory starts on a 64-byte boundary, as libtorch places a new tensor's.</summary>
    public static unsafe bool Aligned(Tensor tensor)
    {
        fixed (byte* start = tensor.bytes) return ((nint)start & 63) == 0;
    }

    /// <summary>The address of <paramref name="tensor"/>'s first element (contiguous float32 on the CPU; the caller checks), valid while the tensor lives.</summary>
    public static unsafe float* Address(Tensor tensor)
    {
        fixed (byte* start = tensor.bytes) return (float*)start;
    }
}

using System.Runtime.InteropServices;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// The free memory of a CUDA device as the CUDA runtime reports it (<c>cudaMemGetInfo</c> of libcudart.so.13, the
/// runtime ONNX Runtime's CUDA provider loads), for the batch size of <see cref="ExecutionPlan"/>. Null wherever the
/// runtime cannot be asked (no CUDA, another library name, an error code), and the plan then assumes a fixed budget.
/// </summary>
public static unsafe class CudaMemory
{
    private static readonly string[] Runtimes = ["libcudart.so.13", "libcudart.so"];

    /// <summary>Free bytes on device <paramref name="deviceId"/>, or null when the CUDA runtime cannot tell.</summary>
    public static long? FreeBytes(int deviceId)
    {
        foreach (var name in Runtimes)
        {
            if (!NativeLibrary.TryLoad(name, out var library)) continue;
            if (!NativeLibrary.TryGetExport(library, "cudaSetDevice", out var setDevice) ||
                !NativeLibrary.TryGetExport(library, "cudaMemGetInfo", out var memGetInfo))
                return null;
            if (((delegate* unmanaged<int, int>)setDevice)(deviceId) != 0) return null;
            nuint free = 0, total = 0;
            return ((delegate* unmanaged<nuint*, nuint*, int>)memGetInfo)(&free, &total) == 0 ? (long)free : null;
        }
        return null;
    }
}

using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using RepAlign.Core;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// A float buffer that ONNX Runtime reads or writes in place, allocated once and reused for every batch: pinned host
/// memory from a CUDA session's pinned allocator (a direct transfer to and from the device), or a managed array on the
/// pinned object heap (the CPU provider reads and writes it where it lies, with no per-batch pinning).
/// </summary>
internal sealed unsafe class StagingBuffer : IDisposable
{
    private readonly float[]? managed;
    private readonly OrtMemoryAllocation? native;

    private StagingBuffer(float[]? managed, OrtMemoryAllocation? native, int length)
    {
        this.managed = managed;
        this.native = native;
        Length = length;
    }

    /// <summary>Floats in the buffer.</summary>
    public int Length { get; }

    /// <summary>Whether the buffer is pinned host memory of a CUDA session.</summary>
    public bool Pinned => native is not null;

    /// <summary>The whole buffer.</summary>
    public Span<float> Span => managed is not null ? managed.AsSpan() : new Span<float>((void*)native!.DangerousGetHandle(), Length);

    /// <summary>A host buffer of <paramref name="length"/> floats on the pinned object heap.</summary>
    public static StagingBuffer Host(int length) => new(GC.AllocateUninitializedArray<float>(length, pinned: true), null, length);

    /// <summary>A buffer of <paramref name="length"/> floats from <paramref name="allocator"/> (a CUDA session's pinned allocator).</summary>
    public static StagingBuffer From(OrtAllocator allocator, int length)
    {
        ArgumentNullException.ThrowIfNull(allocator);
        var bytes = (long)length * sizeof(float);
        if (bytes > uint.MaxValue) Throw.OutOfRange(nameof(length), length, $"a staging buffer of at most {uint.MaxValue} bytes; use a smaller batch");
        return new StagingBuffer(null, allocator.Allocate((uint)bytes), length);
    }

    /// <summary>A tensor of <paramref name="shape"/> over the buffer's first values (dispose it after the run).</summary>
    public OrtValue View(long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var count = shape.Aggregate(1L, (p, d) => p * d);
        if (count > Length) Throw.OutOfRange(nameof(shape), count, $"at most {Length} values (the staging buffer's size)");
        return managed is not null
            ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, managed.AsMemory(0, (int)count), shape)
            : OrtValue.CreateTensorValueWithData(native!.Info, TensorElementType.Float, shape, native.DangerousGetHandle(), count * sizeof(float));
    }

    /// <summary>Returns pinned memory to its allocator (a managed buffer is left to the garbage collector).</summary>
    public void Dispose() => native?.Dispose();
}

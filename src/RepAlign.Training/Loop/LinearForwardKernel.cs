using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RepAlign.Training.Loop;

/// <summary>
/// A linear layer's forward pass y = x·Wᵀ + b for a few rows, rounded as libtorch's GEMM rounds it for the two-point
/// networks' shapes on this machine: for each output, four lane sums from +0, lane l adding the products x[i]·w[i]
/// (each rounded, no fused multiply–add) of i ≡ l (mod 4) over the whole quads in order; then (s₀ + s₂) + (s₁ + s₃); then
/// the products of the inputs past the last quad in order; then + b. <see cref="MlpBackprop"/> takes it for a layer
/// only where a check of the shape finds it bit-identical to libtorch's <c>linear</c>. The gain is memory speed: the
/// library reads a 500×500 weight for two rows at about 10 GB/s; here four output rows are summed at once, so the weight
/// streams once per pass, and the rows to come are asked for ahead (<see cref="PrefetchBytes"/>).
/// </summary>
internal static class LinearForwardKernel
{
    /// <summary>
    /// <paramref name="output"/> (rows, outputs) ← <paramref name="input"/> (rows, inputs) · <paramref name="weight"/>ᵀ
    /// (outputs, inputs) + <paramref name="bias"/> (outputs; empty for none), then, with a <paramref name="leakySlope"/>,
    /// leaky relu as libtorch computes it (y where y &gt; 0, else y·slope).
    /// </summary>
    public static void Forward(ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> output, int rows, float? leakySlope = null)
    {
        if (rows < 1 || input.Length % rows != 0 || output.Length % rows != 0)
            RepAlign.Core.Throw.Argument(nameof(rows), $"{rows} rows for an input of {input.Length} and an output of {output.Length} values");
        int inputs = input.Length / rows, outputs = output.Length / rows;
        if (weight.Length != outputs * inputs || bias.Length is not 0 && bias.Length != outputs)
            RepAlign.Core.Throw.Argument(nameof(weight), $"a weight of {weight.Length} and a bias of {bias.Length} values for {outputs} outputs × {inputs} inputs");
        var o = 0;
        for (; o <= outputs - 4; o += 4)
        {
            var w = weight.Slice(o * inputs, 4 * inputs);
            var r = 0;
            for (; r <= rows - 2; r += 2) // two input rows per read of the four weight rows
                FourOutputsTwoRows(input.Slice(r * inputs, 2 * inputs), w, output.Slice(r * outputs + o, 4), output.Slice((r + 1) * outputs + o, 4));
            for (; r < rows; r++)
                FourOutputs(input.Slice(r * inputs, inputs), w, output.Slice(r * outputs + o, 4));
        }
        for (; o < outputs; o++)
            for (var r = 0; r < rows; r++)
                output[r * outputs + o] = Dot(input.Slice(r * inputs, inputs), weight.Slice(o * inputs, inputs));
        if (bias.Length != 0)
        {
            for (var r = 0; r < rows; r++)
            {
                var y = output.Slice(r * outputs, outputs);
                for (var k = 0; k < outputs; k++) y[k] += bias[k];
            }
        }
        if (leakySlope is { } slope)
            foreach (ref var y in output)
                y = y > 0 ? y : y * slope;
    }

    /// <summary>The sums of four consecutive weight rows against one input row: four independent chains, one weight read.</summary>
    private static void FourOutputs(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y)
    {
        var inputs = x.Length;
        ref var xr = ref MemoryMarshal.GetReference(x);
        ref var wr = ref MemoryMarshal.GetReference(w); // four rows of `inputs`, checked by the slice above
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
        nuint n = (nuint)inputs, i = 0;
        for (; i + 4 <= n; i += 4)
        {
            PrefetchRow(ref wr, n, i);
            var xi = Vector128.LoadUnsafe(ref xr, i);
            a0 += xi * Vector128.LoadUnsafe(ref wr, i);
            a1 += xi * Vector128.LoadUnsafe(ref wr, n + i);
            a2 += xi * Vector128.LoadUnsafe(ref wr, 2 * n + i);
            a3 += xi * Vector128.LoadUnsafe(ref wr, 3 * n + i);
        }
        // Every fold before the first call: an accumulator live across a call is kept on the stack inside the loop.
        float s0 = Fold(a0), s1 = Fold(a1), s2 = Fold(a2), s3 = Fold(a3);
        y[0] = Tail(x, w[..inputs], (int)i, s0);
        y[1] = Tail(x, w.Slice(inputs, inputs), (int)i, s1);
        y[2] = Tail(x, w.Slice(2 * inputs, inputs), (int)i, s2);
        y[3] = Tail(x, w.Slice(3 * inputs, inputs), (int)i, s3);
    }

    /// <summary><see cref="FourOutputs"/> for two input rows (<paramref name="x"/> holds both) at once: eight chains, one weight read.</summary>
    private static void FourOutputsTwoRows(ReadOnlySpan<float> x, ReadOnlySpan<float> w, Span<float> y0, Span<float> y1)
    {
        var inputs = x.Length / 2;
        ref var xr = ref MemoryMarshal.GetReference(x); // two rows of `inputs`
        ref var wr = ref MemoryMarshal.GetReference(w); // four rows of `inputs`
        Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default, b0 = default, b1 = default, b2 = default, b3 = default;
        nuint n = (nuint)inputs, i = 0;
        for (; i + 4 <= n; i += 4)
        {
            PrefetchRow(ref wr, n, i);
            var xa = Vector128.LoadUnsafe(ref xr, i);
            var xb = Vector128.LoadUnsafe(ref xr, n + i);
            var w0 = Vector128.LoadUnsafe(ref wr, i);
            var w1 = Vector128.LoadUnsafe(ref wr, n + i);
            var w2 = Vector128.LoadUnsafe(ref wr, 2 * n + i);
            var w3 = Vector128.LoadUnsafe(ref wr, 3 * n + i);
            a0 += xa * w0;
            a1 += xa * w1;
            a2 += xa * w2;
            a3 += xa * w3;
            b0 += xb * w0;
            b1 += xb * w1;
            b2 += xb * w2;
            b3 += xb * w3;
        }
        ReadOnlySpan<float> xa0 = x[..inputs], xb0 = x.Slice(inputs, inputs);
        ReadOnlySpan<float> v0 = w[..inputs], v1 = w.Slice(inputs, inputs), v2 = w.Slice(2 * inputs, inputs), v3 = w.Slice(3 * inputs, inputs);
        var from = (int)i;
        // Every fold before the first call: an accumulator live across a call is kept on the stack inside the loop.
        float s0 = Fold(a0), s1 = Fold(a1), s2 = Fold(a2), s3 = Fold(a3), t0 = Fold(b0), t1 = Fold(b1), t2 = Fold(b2), t3 = Fold(b3);
        y0[0] = Tail(xa0, v0, from, s0);
        y0[1] = Tail(xa0, v1, from, s1);
        y0[2] = Tail(xa0, v2, from, s2);
        y0[3] = Tail(xa0, v3, from, s3);
        y1[0] = Tail(xb0, v0, from, t0);
        y1[1] = Tail(xb0, v1, from, t1);
        y1[2] = Tail(xb0, v2, from, t2);
        y1[3] = Tail(xb0, v3, from, t3);
    }

    /// <summary>
    /// Bytes ahead of each of the four weight rows being read that the weights to come are asked for: eight rows of the
    /// two-point networks' 500-wide layers, two groups of four ahead. With four rows read side by side the hardware's
    /// own prefetching alone read a 1 MB weight at 10–24 GB/s on one core of this project's host, and with this at
    /// 24–42 GB/s (benchmarks/results/train-profile-linux-x64.md, section 10).
    /// </summary>
    internal const int PrefetchBytes = 16384;

    /// <summary>
    /// Asks for one cache line <see cref="PrefetchBytes"/> past element <paramref name="i"/> of one of the four rows of
    /// <paramref name="n"/> from <paramref name="w"/>, the rows in turn as <paramref name="i"/> steps by 4, so that each
    /// row's next 64 bytes are asked for once every four steps, without a branch in the loop. A hint, which never faults,
    /// even past the weight's end: the address is only computed, never read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchRow(ref float w, nuint n, nuint i)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0((byte*)Unsafe.AsPointer(ref Unsafe.Add(ref w, i + (i >> 2 & 3) * n)) + PrefetchBytes); // a GC move of a managed array meanwhile wastes the hint, never more
    }

    private static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> w)
    {
        Vector128<float> a = default;
        var i = 0;
        for (; i <= x.Length - 4; i += 4) a += Vector128.Create(x.Slice(i, 4)) * Vector128.Create(w.Slice(i, 4));
        return Tail(x, w, i, Fold(a));
    }

    /// <summary>(s₀ + s₂) + (s₁ + s₃): the upper two lanes folded onto the lower two, then the two added.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fold(Vector128<float> a) => (a[0] + a[2]) + (a[1] + a[3]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tail(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int from, float sum)
    {
        for (var i = from; i < x.Length; i++) sum += x[i] * w[i];
        return sum;
    }
}

using System.Numerics;
using System.Runtime.Intrinsics;
using RepAlign.Training.Native;

namespace RepAlign.Training.Loop;

/// <summary>
/// One layer's share of the fast step for a batch of rows, on raw float32 memory (row-major, contiguous): the forward
/// pass and the input gradient of a range of the batch's rows, the weight gradient and SGD update of a range of the
/// weight's output rows. Each GEMM is libtorch's own <c>sgemm_</c> with the arguments libtorch passes for the operation
/// it replaces (<see cref="Blas"/>); each element-wise step computes what libtorch's kernel computes for an element.
/// So a share of the rows is computed from the same operands, in the same order, as the whole; that it also rounds the
/// same (BLAS picks its code by shape, and the shares start at other addresses) is checked per shape by
/// <see cref="KernelAgreement.Shares"/>. Two lanes (<see cref="StepLanes"/>) split a step this way.
/// </summary>
internal static unsafe class BlasLayer
{
    /// <summary>
    /// Rows [<paramref name="start"/>, +<paramref name="count"/>) of y = x·Wᵀ + b (then leaky relu with a
    /// <paramref name="leakySlope"/>), x (B, in), W (out, in), b (out) or null, y (B, out): as <c>linear</c> does it, the
    /// bias copied into y and <c>sgemm_('T', 'N', out, n, in, 1, W, in, x, in, 1, y, out)</c> (β = 0 without a bias);
    /// leaky relu as libtorch's: v &gt; 0 ? v : v·slope.
    /// </summary>
    public static void Forward(float* x, float* w, float* b, float* y, int start, int count, int outputs, int inputs, float? leakySlope)
    {
        if (count == 0) return;
        var rows = y + (long)start * outputs;
        if (b != null)
            for (var r = 0; r < count; r++) new ReadOnlySpan<float>(b, outputs).CopyTo(new Span<float>(rows + (long)r * outputs, outputs));
        Blas.Gemm(true, false, outputs, count, inputs, 1f, w, inputs, x + (long)start * inputs, inputs, b != null ? 1f : 0f, rows, outputs);
        if (leakySlope is { } slope) LeakyRelu(new Span<float>(rows, count * outputs), new ReadOnlySpan<float>(rows, count * outputs), slope);
    }

    /// <summary>
    /// Rows [<paramref name="start"/>, +<paramref name="count"/>) of the gradient before the activation below a layer:
    /// δ·W (<c>mm</c>: <c>sgemm_('N', 'N', in, n, out, 1, W, in, δ, out, 0, target, in)</c>), δ (B, out), W (out, in)
    /// before its update, into <paramref name="target"/> (B, in); then, with a <paramref name="leakySlope"/>, leaky relu's
    /// gradient where the activation's output <paramref name="hidden"/> (B, in) is not positive (v·slope, as libtorch's
    /// <c>where</c> of <c>mul</c>).
    /// </summary>
    public static void InputGradient(float* delta, float* w, float* hidden, float* target, int start, int count, int outputs, int inputs, float? leakySlope)
    {
        if (count == 0) return;
        var rows = target + (long)start * inputs;
        Blas.Gemm(false, false, inputs, count, outputs, 1f, w, inputs, delta + (long)start * outputs, outputs, 0f, rows, inputs);
        if (leakySlope is { } slope) LeakyRelu(new Span<float>(rows, count * inputs), new ReadOnlySpan<float>(hidden + (long)start * inputs, count * inputs), slope);
    }

    /// <summary>
    /// Output rows [<paramref name="start"/>, +<paramref name="count"/>) of a weight's SGD step: ∂W = δᵀ·x for those rows
    /// (<c>addmm_(δᵀ, x, β = 0)</c>: <c>sgemm_('N', 'T', in, n, B, 1, x, in, δ + start, out, 0, g, in)</c>) into
    /// <paramref name="gradient"/> (out, in), then W ← fma(∂W, −lr, W) as libtorch's <c>add_(g, −lr)</c>; δ (B, out), x (B, in).
    /// </summary>
    public static void Update(float* delta, float* input, float* gradient, float* w, int start, int count, int batch, int outputs, int inputs, float negativeLr)
    {
        if (count == 0) return;
        var offset = (long)start * inputs;
        Blas.Gemm(false, true, inputs, count, batch, 1f, input, inputs, delta + start, outputs, 0f, gradient + offset, inputs);
        MultiplyAdd(new Span<float>(w + offset, count * inputs), new ReadOnlySpan<float>(gradient + offset, count * inputs), negativeLr);
    }

    /// <summary>
    /// Leaky relu's rule, element by element as libtorch's kernels apply it: v where <paramref name="sign"/> &gt; 0, else
    /// v·slope; in place. The forward pass passes the values themselves as <paramref name="sign"/> (leaky relu), the
    /// backward pass the activation's output (its gradient, libtorch's <c>where(h &gt; 0, g, g·slope)</c>).
    /// </summary>
    private static void LeakyRelu(Span<float> values, ReadOnlySpan<float> sign, float slope)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s = Vector512.Create(slope);
            for (; i <= values.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                var v = Vector512.Create<float>(values[i..]);
                Vector512.ConditionalSelect(Vector512.GreaterThan(Vector512.Create<float>(sign[i..]), Vector512<float>.Zero), v, v * s).CopyTo(values[i..]);
            }
        }
        for (; i < values.Length; i++) values[i] = sign[i] > 0f ? values[i] : values[i] * slope;
    }

    private static void MultiplyAdd(Span<float> w, ReadOnlySpan<float> g, float negativeLr)
    {
        var i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var a = Vector512.Create(negativeLr);
            for (; i <= w.Length - Vector512<float>.Count; i += Vector512<float>.Count)
                Vector512.FusedMultiplyAdd(Vector512.Create<float>(g[i..]), a, Vector512.Create<float>(w[i..])).CopyTo(w[i..]);
        }
        for (; i < w.Length; i++) w[i] = MathF.FusedMultiplyAdd(g[i], negativeLr, w[i]);
    }
}

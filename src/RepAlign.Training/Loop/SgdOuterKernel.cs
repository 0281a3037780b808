using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RepAlign.Training.Loop;

/// <summary>
/// The SGD step of a linear layer's weight by its gradient δᵀ·x, in one pass over the weight and without the gradient
/// ever reaching memory: for every element, g = +0, then g ← fma(δᵣ, xᵣ, g) for the rows r = 0, 1, … in order (the +0
/// start decides the sign of a zero gradient), and w ← fma(g, −lr, w). That is how libtorch's <c>addmm_</c> (its GEMM, for the shapes <see cref="MlpBackprop"/> checks)
/// rounds δᵀ·x and how its <c>add_(g, −lr)</c> rounds the update, so the weights are bit-identical to writing the
/// gradient out and updating from it; the pass saves the gradient's write and its second read (two of the four passes
/// over a layer's weights memory in a small-batch step).
/// Every value is a float32 computed once (IEEE multiply and fused multiply–add are exact-rounded, in vector lanes as in
/// scalars), so the result does not depend on the vector width.
/// </summary>
internal static unsafe class SgdOuterKernel
{
    /// <summary>
    /// w ← w − lr·δᵀ·x with the rounding above; <paramref name="weight"/> is (outputs, inputs) row-major,
    /// <paramref name="delta"/> (rows, outputs) and <paramref name="input"/> (rows, inputs).
    /// </summary>
    public static void Step(Span<float> weight, ReadOnlySpan<float> delta, ReadOnlySpan<float> input, int rows, float negativeLr) =>
        StepWithInputGradient(weight, delta, input, [], rows, negativeLr);

    /// <summary>
    /// <see cref="Step"/> and, in the same pass over the weight, the layer's input gradient
    /// <paramref name="below"/> (rows, inputs) ← δ·W with the weight before the step, rounded as libtorch's GEMM rounds
    /// it for the two-point networks' shapes on this machine: from +0, the products δ[r, o]·w[o, i] (each rounded, no
    /// fused multiply–add) added for o = 0, 1, … in order. <see cref="MlpBackprop"/> takes it for a layer only where a
    /// check of the shape finds it bit-identical to libtorch's <c>mm</c>. The step then reads and writes each weight
    /// once instead of reading it twice more (for δ·W, and for the update). An empty <paramref name="below"/> is
    /// <see cref="Step"/>: the update alone.
    /// </summary>
    /// <remarks>
    /// With a <paramref name="leakySlope"/>, <paramref name="below"/> then becomes the gradient before the layer's leaky
    /// relu, as libtorch's <c>where(h &gt; 0, below, below·slope)</c> computes it, with h = <paramref name="input"/>
    /// (positive exactly where the activation's input is).
    /// </remarks>
    public static void StepWithInputGradient(Span<float> weight, ReadOnlySpan<float> delta, ReadOnlySpan<float> input, Span<float> below, int rows, float negativeLr, float? leakySlope = null)
    {
        if (rows < 1 || delta.Length % rows != 0 || input.Length % rows != 0 || below.Length is not 0 && below.Length != input.Length)
            RepAlign.Core.Throw.Argument(nameof(rows), $"{rows} rows for a δ of {delta.Length}, an input of {input.Length} and an input gradient of {below.Length} values");
        int outputs = delta.Length / rows, inputs = input.Length / rows;
        if (weight.Length != outputs * inputs)
            RepAlign.Core.Throw.Argument(nameof(weight), $"a weight of {weight.Length} values for {outputs} outputs × {inputs} inputs");
        below.Clear();
        Span<float> coefficient = rows <= 64 ? stackalloc float[rows] : new float[rows];
        fixed (float* w = weight, x = input, g = below)
        {
            for (var o = 0; o < outputs; o++)
            {
                for (var r = 0; r < rows; r++) coefficient[r] = delta[r * outputs + o];
                Row(w + (long)o * inputs, coefficient, x, below.Length != 0 ? g : null, inputs, negativeLr); // δ·W with w before its update
            }
        }
        if (leakySlope is { } slope)
            for (var k = 0; k < below.Length; k++)
                below[k] = input[k] > 0 ? below[k] : below[k] * slope;
    }

    /// <summary>
    /// Bytes ahead of the weights being read that the next ones are asked for: about two rows of the two-point
    /// networks' 500-wide layers. A small gain over the hardware's own prefetching, 5–15 % of the pass on this project's
    /// host (benchmarks/results/train-profile-linux-x64.md, section 10).
    /// </summary>
    internal const int PrefetchBytes = 4096;

    /// <summary>
    /// One row w of the weight, in one pass: below[r, i] ← below[r, i] + cᵣ·w[i] (the product rounded first) for every
    /// row r when <paramref name="below"/> is given, then w[i] ← fma(the chain of cᵣ·xᵣ[i] from +0, −lr, w[i]).
    /// </summary>
    private static void Row(float* w, ReadOnlySpan<float> c, float* x, float* below, int inputs, float negativeLr)
    {
        var i = 0;
        var step = Vector512.Create(negativeLr);
        var c0 = Vector512.Create(c[0]);
        if (c.Length == 2) // the two-point experiments' full batch: both rows' broadcasts kept out of the loop
        {
            var c1 = Vector512.Create(c[1]);
            float* x1 = x + inputs, below1 = below + inputs;
            for (; i <= inputs - Lanes; i += Lanes)
            {
                Prefetch(w + i);
                var wi = Vector512.Load(w + i);
                if (below != null)
                {
                    (Vector512.Load(below + i) + c0 * wi).Store(below + i);
                    (Vector512.Load(below1 + i) + c1 * wi).Store(below1 + i);
                }
                var gradient = Vector512.FusedMultiplyAdd(c1, Vector512.Load(x1 + i), Vector512.FusedMultiplyAdd(c0, Vector512.Load(x + i), Vector512<float>.Zero));
                Vector512.FusedMultiplyAdd(gradient, step, wi).Store(w + i);
            }
        }
        for (; i <= inputs - Lanes; i += Lanes)
        {
            Prefetch(w + i);
            var wi = Vector512.Load(w + i);
            var gradient = Vector512<float>.Zero;
            for (var r = 0; r < c.Length; r++)
            {
                var cr = Vector512.Create(c[r]);
                if (below != null) (Vector512.Load(below + (long)r * inputs + i) + cr * wi).Store(below + (long)r * inputs + i);
                gradient = Vector512.FusedMultiplyAdd(cr, Vector512.Load(x + (long)r * inputs + i), gradient);
            }
            Vector512.FusedMultiplyAdd(gradient, step, wi).Store(w + i);
        }
        for (; i < inputs; i++)
        {
            var gradient = 0f;
            for (var r = 0; r < c.Length; r++)
            {
                if (below != null) below[(long)r * inputs + i] += c[r] * w[i];
                gradient = MathF.FusedMultiplyAdd(c[r], x[(long)r * inputs + i], gradient);
            }
            w[i] = MathF.FusedMultiplyAdd(gradient, negativeLr, w[i]);
        }
    }

    private const int Lanes = 16; // floats in a Vector512

    /// <summary>Asks for the cache line <see cref="PrefetchBytes"/> past <paramref name="at"/> (a hint: never faults, past the weight's end included).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(float* at)
    {
        if (Sse.IsSupported) Sse.Prefetch0((byte*)at + PrefetchBytes);
    }
}

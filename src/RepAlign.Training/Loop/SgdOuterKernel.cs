using System.Runtime.Intrinsics;

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
internal static class SgdOuterKernel
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
        for (var o = 0; o < outputs; o++)
        {
            for (var r = 0; r < rows; r++) coefficient[r] = delta[r * outputs + o];
            var w = weight.Slice(o * inputs, inputs);
            if (below.Length != 0) AddProducts(below, coefficient, w, inputs); // with w before its update
            Row(w, coefficient, input, inputs, negativeLr);
        }
        if (leakySlope is { } slope)
            for (var k = 0; k < below.Length; k++)
                below[k] = input[k] > 0 ? below[k] : below[k] * slope;
    }

    /// <summary>below[r, i] ← below[r, i] + cᵣ·w[i] (the product rounded first), for every row r.</summary>
    private static void AddProducts(Span<float> below, ReadOnlySpan<float> c, ReadOnlySpan<float> w, int inputs)
    {
        for (var r = 0; r < c.Length; r++)
        {
            var target = below.Slice(r * inputs, inputs);
            var i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                const int Lanes = 8;
                var cr = Vector256.Create(c[r]);
                for (; i <= inputs - Lanes; i += Lanes)
                    (Vector256.Create(target.Slice(i, Lanes)) + cr * Vector256.Create(w.Slice(i, Lanes))).CopyTo(target.Slice(i, Lanes));
            }
            for (; i < inputs; i++) target[i] += c[r] * w[i];
        }
    }

    /// <summary>One row of the weight: w[i] ← fma(the chain of cᵣ·xᵣ[i] from +0, −lr, w[i]).</summary>
    private static void Row(Span<float> w, ReadOnlySpan<float> c, ReadOnlySpan<float> input, int inputs, float negativeLr)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            const int Lanes = 8;
            var step = Vector256.Create(negativeLr);
            var c0 = Vector256.Create(c[0]);
            if (c.Length == 2) // the two-point experiments' full batch: the second row's broadcast kept out of the loop
            {
                var c1 = Vector256.Create(c[1]);
                var x1 = input[inputs..];
                for (; i <= inputs - Lanes; i += Lanes)
                {
                    var g = Vector256.FusedMultiplyAdd(c0, Vector256.Create(input.Slice(i, Lanes)), Vector256<float>.Zero);
                    g = Vector256.FusedMultiplyAdd(c1, Vector256.Create(x1.Slice(i, Lanes)), g);
                    Vector256.FusedMultiplyAdd(g, step, Vector256.Create(w.Slice(i, Lanes))).CopyTo(w.Slice(i, Lanes));
                }
            }
            for (; i <= inputs - Lanes; i += Lanes)
            {
                var g = Vector256.FusedMultiplyAdd(c0, Vector256.Create(input.Slice(i, Lanes)), Vector256<float>.Zero);
                for (var r = 1; r < c.Length; r++)
                    g = Vector256.FusedMultiplyAdd(Vector256.Create(c[r]), Vector256.Create(input.Slice(r * inputs + i, Lanes)), g);
                Vector256.FusedMultiplyAdd(g, step, Vector256.Create(w.Slice(i, Lanes))).CopyTo(w.Slice(i, Lanes));
            }
        }
        for (; i < inputs; i++)
        {
            var g = 0f;
            for (var r = 0; r < c.Length; r++) g = MathF.FusedMultiplyAdd(c[r], input[r * inputs + i], g);
            w[i] = MathF.FusedMultiplyAdd(g, negativeLr, w[i]);
        }
    }
}

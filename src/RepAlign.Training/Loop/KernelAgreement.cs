using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>
/// Whether a kernel of the fast step rounds exactly as the libtorch operation it replaces, for one shape. Libtorch's
/// GEMM picks its code by shape and by processor (what the kernels reproduce is what it does for the two-point networks'
/// shapes here), so <see cref="MlpBackprop"/> asks once per (rows, layer) and keeps libtorch's operation wherever the
/// answer is no. Each check compares random inputs, with exact zeros as after relu, bit for bit, until at least 4,096
/// values were compared (one random weight, new inputs each round).
/// </summary>
internal static class KernelAgreement
{
    private const long Compared = 4096;
    private const ulong Seed = 20240704;

    /// <summary>
    /// <see cref="LinearForwardKernel.Forward"/> against <c>linear</c> for (rows, inputs) · (outputs, inputs)ᵀ, with or
    /// without a bias, followed by libtorch's leaky relu where the kernel applies it (<paramref name="leakySlope"/>).
    /// </summary>
    public static bool Forward(long rows, long outputs, long inputs, bool bias, float? leakySlope)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(Seed, CPU);
        var w = randn([outputs, inputs], generator: generator); // (out, in)
        var b = bias ? randn([outputs], generator: generator) : null; // (out)
        for (long compared = 0; compared < Compared; compared += rows * outputs)
        {
            var x = randn([rows, inputs], generator: generator).relu_(); // (rows, in)
            var expected = LibraryForward(x, w, b, leakySlope); // (rows, out)
            var actual = empty([rows, outputs]); // (rows, out)
            LinearForwardKernel.Forward(FloatSpans.Of(x), FloatSpans.Of(w), b is null ? [] : FloatSpans.Of(b), FloatSpans.Of(actual), checked((int)rows), leakySlope);
            if (!expected.bytes.SequenceEqual(actual.bytes)) return false;
        }
        return true;
    }

    /// <summary>
    /// <see cref="SgdOuterKernel.Step"/> against <c>addmm_(δᵀ, x, β = 0)</c> then <c>add_(g, −lr)</c> for a weight
    /// (outputs, inputs) and δ and x of <paramref name="rows"/> rows: first the gradient itself (the kernel run on a
    /// weight of −0 with −lr = 1 leaves exactly its g; the update alone would hide most differences of g in w's
    /// rounding), then the update with <paramref name="negativeLr"/>.
    /// </summary>
    public static bool Update(long rows, long outputs, long inputs, Scalar negativeLr)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(Seed, CPU);
        var gradient = empty([outputs, inputs]); // (out, in)
        for (long compared = 0; compared < Compared; compared += outputs * inputs)
        {
            var delta = randn([rows, outputs], generator: generator); // (rows, out)
            var input = randn([rows, inputs], generator: generator).relu_(); // (rows, in)
            gradient.addmm_(delta.t(), input, 0f, 1f);
            var kernelGradient = full([outputs, inputs], -0f); // (out, in)
            SgdOuterKernel.Step(FloatSpans.Of(kernelGradient), FloatSpans.Of(delta), FloatSpans.Of(input), checked((int)rows), 1f);
            if (!gradient.bytes.SequenceEqual(kernelGradient.bytes)) return false;
            var expected = randn([outputs, inputs], generator: generator); // (out, in)
            var actual = expected.clone();
            expected.add_(gradient, negativeLr);
            SgdOuterKernel.Step(FloatSpans.Of(actual), FloatSpans.Of(delta), FloatSpans.Of(input), checked((int)rows), negativeLr.ToSingle());
            if (!expected.bytes.SequenceEqual(actual.bytes)) return false;
        }
        return true;
    }

    /// <summary>
    /// The input gradient of <see cref="SgdOuterKernel.StepWithInputGradient"/> against <c>mm</c> for (rows, outputs) ·
    /// (outputs, inputs), followed by the leaky relu's gradient where the kernel applies it (<paramref name="leakySlope"/>).
    /// </summary>
    public static bool InputGradient(long rows, long outputs, long inputs, float? leakySlope)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(Seed, CPU);
        var w = randn([outputs, inputs], generator: generator); // (out, in); the kernel is given −lr = 0 and leaves it
        for (long compared = 0; compared < Compared; compared += rows * inputs)
        {
            var delta = DeltaWithZeros(rows, outputs, generator); // (rows, out)
            var input = randn([rows, inputs], generator: generator); // (rows, in)
            var expected = LibraryInputGradient(delta, w, input, leakySlope); // (rows, in)
            var actual = empty([rows, inputs]); // (rows, in)
            SgdOuterKernel.StepWithInputGradient(FloatSpans.Of(w), FloatSpans.Of(delta), FloatSpans.Of(input), FloatSpans.Of(actual), checked((int)rows), 0f, leakySlope);
            if (!expected.bytes.SequenceEqual(actual.bytes)) return false;
        }
        return true;
    }

    /// <summary>libtorch's forward pass of a layer: <c>linear</c>, then leaky relu where <paramref name="leakySlope"/> is given.</summary>
    private static Tensor LibraryForward(Tensor x, Tensor w, Tensor? b, float? leakySlope)
    {
        var y = nn.functional.linear(x, w, b); // (rows, out)
        return leakySlope is null ? y : ActivationOps.Apply(Activation.LeakyRelu, y);
    }

    /// <summary>libtorch's input gradient of a layer: δ·W by <c>mm</c>, then leaky relu's gradient at <paramref name="hidden"/> where <paramref name="leakySlope"/> is given.</summary>
    private static Tensor LibraryInputGradient(Tensor delta, Tensor w, Tensor hidden, float? leakySlope)
    {
        var below = delta.mm(w); // (rows, in)
        return leakySlope is null ? below : MlpBackprop.ActivationGradient(Activation.LeakyRelu, below, hidden);
    }

    /// <summary>A random δ (rows, outputs) with exact zeros, as relu's gradient gives.</summary>
    private static Tensor DeltaWithZeros(long rows, long outputs, Generator generator)
    {
        var delta = randn([rows, outputs], generator: generator);
        return delta.masked_fill_(delta.lt(-1.0), 0.0);
    }
}

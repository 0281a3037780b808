using System.Runtime.InteropServices;
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
            var expected = nn.functional.linear(x, w, b); // (rows, out)
            if (leakySlope is not null) expected = ActivationOps.Apply(Activation.LeakyRelu, expected);
            var actual = empty([rows, outputs]); // (rows, out)
            LinearForwardKernel.Forward(Floats(x), Floats(w), b is null ? [] : Floats(b), Floats(actual), checked((int)rows), leakySlope);
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
            var delta = randn([rows, outputs], generator: generator); // (rows, out)
            delta.masked_fill_(delta.lt(-1.0), 0.0); // exact zeros, as relu's gradient gives
            var input = randn([rows, inputs], generator: generator); // (rows, in)
            var expected = delta.mm(w); // (rows, in)
            if (leakySlope is not null) expected = MlpBackprop.ActivationGradient(Activation.LeakyRelu, expected, input);
            var actual = empty([rows, inputs]); // (rows, in)
            SgdOuterKernel.StepWithInputGradient(Floats(w), Floats(delta), Floats(input), Floats(actual), checked((int)rows), 0f, leakySlope);
            if (!expected.bytes.SequenceEqual(actual.bytes)) return false;
        }
        return true;
    }

    private static Span<float> Floats(Tensor t) => MemoryMarshal.Cast<byte, float>(t.bytes);
}

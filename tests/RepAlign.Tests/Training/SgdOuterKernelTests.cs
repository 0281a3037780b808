using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Loop;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training;

/// <summary>
/// The fused SGD update of a weight by δᵀ·x (<see cref="SgdOuterKernel"/>): its vector lanes and its scalar tail compute
/// the documented chain, and training that takes it stays bit-identical to the autograd reference. Seeds come from
/// REPALIGN_TEST_SEED when set.
/// </summary>
public class SgdOuterKernelTests(ITestOutputHelper output)
{
    private readonly int seed = int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : 23;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_kernel_computes_the_chain_from_plus_zero_then_one_fused_update_in_every_lane_and_the_tail(bool inputGradient)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var random = new Random(seed);
        float Draw() => random.Next(4) == 0 ? (random.Next(2) == 0 ? 0f : -0f) : (float)(random.NextDouble() * 2 - 1);
        var compared = 0;
        foreach (var rows in new[] { 1, 2, 3, 8 }) // two rows have their own loop
        foreach (var inputs in new[] { 1, 15, 16, 17, 39 }) // below, at and across one vector of 16 lanes, and a tail
        {
            const int Outputs = 5;
            const float NegativeLr = -0.005f, Slope = 0.01f;
            var delta = Enumerable.Range(0, rows * Outputs).Select(_ => Draw()).ToArray();
            var input = Enumerable.Range(0, rows * inputs).Select(_ => Draw()).ToArray();
            var weight = Enumerable.Range(0, Outputs * inputs).Select(_ => Draw()).ToArray();
            var expected = new float[weight.Length];
            var expectedBelow = new float[input.Length]; // from +0: the rounded products added for o = 0, 1, … with the weight before the step
            for (var o = 0; o < Outputs; o++)
            for (var i = 0; i < inputs; i++)
            {
                var g = 0f;
                for (var r = 0; r < rows; r++)
                {
                    g = MathF.FusedMultiplyAdd(delta[r * Outputs + o], input[r * inputs + i], g);
                    var product = delta[r * Outputs + o] * weight[o * inputs + i];
                    expectedBelow[r * inputs + i] += product;
                }
                expected[o * inputs + i] = MathF.FusedMultiplyAdd(g, NegativeLr, weight[o * inputs + i]);
            }
            for (var k = 0; k < input.Length; k++)
                expectedBelow[k] = input[k] > 0 ? expectedBelow[k] : expectedBelow[k] * Slope;
            var below = inputGradient ? Enumerable.Repeat(float.NaN, input.Length).ToArray() : []; // overwritten, never added to

            SgdOuterKernel.StepWithInputGradient(weight, delta, input, below, rows, NegativeLr, inputGradient ? Slope : null);

            for (var k = 0; k < weight.Length; k++, compared++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[k]) == BitConverter.SingleToInt32Bits(weight[k]),
                    $"rows {rows}, inputs {inputs}, element {k}: {weight[k]:R}, expected {expected[k]:R}");
            for (var k = 0; k < below.Length; k++, compared++)
                Assert.True(BitConverter.SingleToInt32Bits(expectedBelow[k]) == BitConverter.SingleToInt32Bits(below[k]),
                    $"rows {rows}, inputs {inputs}, input gradient {k}: {below[k]:R}, expected {expectedBelow[k]:R}");
        }
        const int Inputs = 1 + 15 + 16 + 17 + 39, Rows = 1 + 2 + 3 + 8;
        Assert.Equal(4 * 5 * Inputs + (inputGradient ? Rows * Inputs : 0), compared); // every weight, and every input gradient
    }

    [Fact]
    public void Mismatched_sizes_are_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => SgdOuterKernel.Step(new float[5], new float[4], new float[6], 2, -0.1f));
        Assert.Contains("a weight of 5 values for 2 outputs × 3 inputs", error.Message);
    }

    /// <summary>
    /// The default two-point network (20×500, leaky ReLU, SGD, full batch of two points): the 500×500 layers take the
    /// fused update on this machine's libtorch, and every weight after 30 steps equals the reference's. XOR's four points
    /// with relu keep libtorch's two operations (more than <see cref="MlpBackprop.FusedRows"/> rows, and relu, which the
    /// lanes do not take), with the same weights.
    /// </summary>
    [Theory]
    [InlineData(2, Activation.LeakyRelu)]
    [InlineData(4, Activation.Relu)]
    public void Two_point_training_takes_the_fused_update_and_stays_bit_identical_to_the_reference(int points, Activation activation)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var model = new ModelSpec { Width = 500, Depth = 20, Activation = activation, Gain = 1.0, Bias = true };
        var train = new TrainSpec { Lr = 0.005, Seed = seed, Threads = 1 };
        using var fast = new TrainingSession(model, train, 2, 1);
        using var reference = new TrainingSession(model, train, 2, 1, StepPath.Reference);
        using var x = tensor(Enumerable.Range(0, 2 * points).Select(i => (float)Math.Sin(i + seed)).ToArray(), [points, 2]); // (P, 2)
        using var y = tensor(Enumerable.Range(0, points).Select(i => (float)Math.Cos(i * seed)).ToArray(), [points, 1]); // (P, 1)

        for (var epoch = 0; epoch < 30; epoch++)
            Assert.Equal(reference.Epoch(x, y, 0, CancellationToken.None), fast.Epoch(x, y, 0, CancellationToken.None));

        // 19 layers of 500×500 take the kernels (the input gradient is needed from 20 of the 21 layers); the input layer
        // (500×2) and the read-out (1×500) may keep libtorch's operations where its GEMM rounds those shapes another way.
        var kernels = fast.KernelShapes;
        output.WriteLine($"of 21 layers: forward {kernels.Forward}, input gradient {kernels.InputGradient}, update {kernels.Update} by the kernels");
        if (points <= MlpBackprop.FusedRows)
        {
            Assert.InRange(kernels.Forward, 19, 21);
            Assert.InRange(kernels.InputGradient, 19, 20);
            Assert.InRange(kernels.Update, 19, 21);
        }
        else
        {
            Assert.Equal((0, 0, 0), kernels);
        }
        foreach (var (f, r) in fast.Network.parameters().Zip(reference.Network.parameters()))
            Assert.True(f.bytes.SequenceEqual(r.bytes), $"a parameter of shape [{string.Join(", ", f.shape)}] differs from the reference's");
    }
}

using RepAlign.Training.Loop;
using Xunit;
using Xunit.Abstractions;

namespace RepAlign.Tests.Training;

/// <summary>
/// The lanes' kernels (<see cref="FmaLayer"/>) against their definition, written here as plain scalar loops: every sum a
/// chain of <see cref="MathF.FusedMultiplyAdd(float, float, float)"/> from the first term to the last. Bit for bit, for
/// the main job's shapes and for odd ones (tails of rows, of columns and of vectors), on either lane's columns.
/// Seeds come from REPALIGN_TEST_SEED when set.
/// </summary>
public unsafe class FmaLayerTests(ITestOutputHelper output)
{
    private readonly int seed = int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : 23;

    private const float Slope = 0.01f;

    public static TheoryData<int, int, int, int, bool> Shapes() => new()
    {
        // rows of the batch, outputs, inputs, lanes, bias and leaky relu
        { 64, 200, 784, 2, true },
        { 64, 10, 200, 2, false },
        { 40, 200, 200, 2, true },
        { 20, 13, 37, 1, true },
        { 3, 9, 8, 2, false },
        { 17, 8, 33, 2, true },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_forward_pass_is_its_fma_chain_bit_for_bit(int rows, int outputs, int inputs, int lanes, bool activated)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var random = new Random(seed);
        var ld = FmaLayer.Stride(rows);
        float[] w = Values(random, outputs * inputs), bias = Values(random, outputs), xT = Values(random, inputs * ld), yT = new float[outputs * ld];
        fixed (float* pw = w, pb = bias, px = xT, py = yT)
        {
            for (var lane = 0; lane < lanes; lane++)
            {
                var (c0, cols) = FmaLayer.Columns(lane, lanes, ld);
                FmaLayer.Forward(pw, activated ? pb : null, px, py, outputs, inputs, ld, c0, cols, activated ? Slope : null);
            }
        }
        var compared = 0;
        for (var o = 0; o < outputs; o++)
            for (var c = 0; c < rows; c++, compared++)
            {
                var a = activated ? bias[o] : 0f;
                for (var k = 0; k < inputs; k++) a = MathF.FusedMultiplyAdd(w[o * inputs + k], xT[k * ld + c], a);
                if (activated) a = a > 0f ? a : a * Slope;
                AssertBits(a, yT[o * ld + c], $"y[{c}, {o}]");
            }
        Assert.Equal(rows * outputs, compared);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_input_gradient_is_its_fma_chain_bit_for_bit(int rows, int outputs, int inputs, int lanes, bool activated)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var random = new Random(seed);
        var ld = FmaLayer.Stride(rows);
        float[] w = Values(random, outputs * inputs), deltaT = Values(random, outputs * ld), hT = Values(random, inputs * ld), gT = new float[inputs * ld];
        fixed (float* pw = w, pd = deltaT, ph = hT, pg = gT)
        {
            for (var lane = 0; lane < lanes; lane++)
            {
                var (c0, cols) = FmaLayer.Columns(lane, lanes, ld);
                FmaLayer.InputGradient(pw, pd, ph, pg, outputs, inputs, ld, c0, cols, activated ? Slope : null);
            }
        }
        for (var i = 0; i < inputs; i++)
            for (var c = 0; c < rows; c++)
            {
                var a = 0f;
                for (var o = 0; o < outputs; o++) a = MathF.FusedMultiplyAdd(w[o * inputs + i], deltaT[o * ld + c], a);
                if (activated && !(hT[i * ld + c] > 0f)) a *= Slope;
                AssertBits(a, gT[i * ld + c], $"g[{c}, {i}]");
            }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_update_is_its_fma_chain_bit_for_bit(int rows, int outputs, int inputs, int lanes, bool withBias)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var random = new Random(seed);
        var ld = FmaLayer.Stride(rows);
        const float NegativeLr = -0.003f;
        float[] deltaT = Values(random, outputs * ld), x = Values(random, rows * inputs), w = Values(random, outputs * inputs), bias = Values(random, outputs);
        float[] w0 = (float[])w.Clone(), bias0 = (float[])bias.Clone();
        fixed (float* pd = deltaT, px = x, pw = w, pb = bias)
        {
            for (var lane = 0; lane < lanes; lane++)
            {
                var (start, count) = StepLanes.Share(lane, lanes, outputs);
                FmaLayer.Update(pd, px, pw, (int)start, (int)count, rows, inputs, ld, NegativeLr);
                if (withBias) FmaLayer.UpdateBias(pd, pb, (int)start, (int)count, rows, ld, NegativeLr);
            }
        }
        var changed = 0;
        for (var o = 0; o < outputs; o++)
        {
            for (var i = 0; i < inputs; i++)
            {
                var g = 0f;
                for (var b = 0; b < rows; b++) g = MathF.FusedMultiplyAdd(deltaT[o * ld + b], x[b * inputs + i], g);
                var expected = MathF.FusedMultiplyAdd(g, NegativeLr, w0[o * inputs + i]);
                AssertBits(expected, w[o * inputs + i], $"W[{o}, {i}]");
                if (expected != w0[o * inputs + i]) changed++;
            }
            var sum = 0f;
            for (var b = 0; b < rows; b++) sum += deltaT[o * ld + b];
            AssertBits(withBias ? MathF.FusedMultiplyAdd(sum, NegativeLr, bias0[o]) : bias0[o], bias[o], $"b[{o}]");
        }
        Assert.True(changed > outputs * inputs / 2, $"only {changed} weights moved");
    }

    [Theory]
    [InlineData(64, 784, 0, 32)]
    [InlineData(40, 200, 32, 8)]
    [InlineData(13, 11, 3, 10)]
    public void Transpose_moves_every_value_of_its_block_and_nothing_else(int rows, int columns, int r0, int count)
    {
        var random = new Random(seed);
        var ld = FmaLayer.Stride(rows);
        var source = Values(random, rows * columns);
        var target = new float[columns * ld];
        fixed (float* ps = source, pt = target) FmaLayer.Transpose(ps, columns, pt, ld, r0, count, 0, columns);
        for (var j = 0; j < columns; j++)
            for (var r = 0; r < ld; r++)
                Assert.Equal(r >= r0 && r < r0 + count ? source[r * columns + j] : 0f, target[j * ld + r]);
        var back = new float[rows * columns];
        fixed (float* pt = target, pb = back) FmaLayer.Transpose(pt, ld, pb, columns, 0, columns, r0, count);
        for (var r = r0; r < r0 + count; r++)
            for (var j = 0; j < columns; j++) Assert.Equal(source[r * columns + j], back[r * columns + j]);
    }

    [Theory]
    [InlineData(64, 1, 0, 64)]
    [InlineData(64, 2, 32, 32)]
    [InlineData(48, 2, 32, 16)]
    [InlineData(16, 2, 16, 0)]
    public void Lanes_split_the_columns_in_whole_vectors(int ld, int lanes, int start1, int count1)
    {
        var (s0, c0) = FmaLayer.Columns(0, lanes, ld);
        Assert.Equal(0, s0);
        if (lanes == 1)
        {
            Assert.Equal(ld, c0);
            return;
        }
        Assert.Equal((start1, count1), FmaLayer.Columns(1, lanes, ld));
        Assert.Equal(start1, c0);
        Assert.Equal(0, c0 % FmaLayer.Width);
    }

    private static float[] Values(Random random, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * (random.Next(8) == 0 ? 0f : 1f); // exact zeros as after relu
        return values;
    }

    private static void AssertBits(float expected, float actual, string what)
    {
        if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(actual))
            Assert.Fail($"{what}: {actual:R} where its fma chain gives {expected:R}");
    }
}

using RepAlign.Core.Metrics;
using RepAlign.Inference.Bulk;

namespace RepAlign.Tests.Inference.Bulk;

public class PairKernelsTests
{
    private static float[] Vector(Random rng, int n, double scale = 1) =>
        Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(17)]
    [InlineData(200)]
    [InlineData(1001)]
    public void Vectorised_kernels_equal_the_scalar_reference(int n)
    {
        var rng = new Random(n);
        for (var trial = 0; trial < 20; trial++)
        {
            var a = Vector(rng, n, 10);
            var b = Vector(rng, n, 10);
            var reference = PairMetrics.SquaredDistance(a, b);
            Assert.Equal(reference, PairKernels.SquaredDistance(a, b), reference * 1e-13 + 1e-300);
            var dot = 0.0;
            for (var i = 0; i < n; i++) dot += (double)a[i] * b[i];
            Assert.Equal(dot, PairKernels.Dot(a, b), Math.Abs(dot) * 1e-13 + 1e-10);
        }
    }

    [Fact]
    public void Norm_dot_is_guarded_against_cancellation_for_nearby_representations()
    {
        // Two representations of norm ~1e3 that differ by ~1e-3 per unit: h2 ≈ 2e-4 against ‖h‖² ≈ 7e7.
        var rng = new Random(5);
        const int width = 200;
        const int count = 50;
        var rows = new float[count * width];
        var baseRow = Vector(rng, width, 1000);
        for (var r = 0; r < count; r++)
            for (var i = 0; i < width; i++) rows[r * width + i] = baseRow[i] + (float)((rng.NextDouble() - 0.5) * 1e-3 * (r + 1));
        var pa = Enumerable.Range(0, count - 1).ToArray();
        var pb = Enumerable.Range(1, count - 1).ToArray();
        var norms = new double[count];
        PairKernels.SquaredNorms(rows, count, width, norms);

        var guarded = new double[pa.Length];
        var direct = new double[pa.Length];
        PairKernels.PairDistances(rows, width, pa, pb, PairDistanceMethod.NormDot, norms, guarded);
        PairKernels.PairDistances(rows, width, pa, pb, PairDistanceMethod.Direct, [], direct);
        var worstUnguarded = 0.0;
        for (var p = 0; p < pa.Length; p++)
        {
            var a = rows.AsSpan(pa[p] * width, width);
            var b = rows.AsSpan(pb[p] * width, width);
            var reference = PairMetrics.SquaredDistance(a, b);
            Assert.Equal(reference, direct[p], reference * 1e-12);
            Assert.Equal(reference, guarded[p], reference * 1e-12);
            var unguarded = norms[pa[p]] + norms[pb[p]] - 2 * PairKernels.Dot(a, b);
            worstUnguarded = Math.Max(worstUnguarded, Math.Abs(unguarded - reference) / reference);
        }
        // Why the guard exists: the bare norm-and-dot form loses most digits here.
        Assert.True(worstUnguarded > 1e-6, $"unguarded relative error {worstUnguarded}");
    }

    [Fact]
    public void Norm_dot_equals_direct_for_typical_pairs()
    {
        var rng = new Random(9);
        const int width = 64;
        const int count = 300;
        var rows = Vector(rng, count * width, 3);
        var pa = Enumerable.Range(0, 500).Select(_ => rng.Next(count)).ToArray();
        var pb = pa.Select(a => (a + 1 + rng.Next(count - 1)) % count).ToArray();
        var norms = new double[count];
        PairKernels.SquaredNorms(rows, count, width, norms);
        var x = new double[pa.Length];
        var y = new double[pa.Length];
        PairKernels.PairDistances(rows, width, pa, pb, PairDistanceMethod.NormDot, norms, x);
        PairKernels.PairDistances(rows, width, pa, pb, PairDistanceMethod.Direct, [], y);
        for (var p = 0; p < pa.Length; p++) Assert.Equal(y[p], x[p], y[p] * 1e-11);
    }
}

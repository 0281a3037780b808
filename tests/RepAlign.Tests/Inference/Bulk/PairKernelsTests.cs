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
        }
    }

    [Fact]
    public void Pair_distances_equal_the_scalar_reference_for_nearby_and_typical_pairs()
    {
        // Representations of norm ~1e3 that differ by ~1e-3 per unit (where a norm-and-dot form would cancel),
        // and ordinary random pairs.
        var rng = new Random(5);
        const int width = 200;
        const int count = 50;
        var rows = new float[count * width];
        var baseRow = Vector(rng, width, 1000);
        for (var r = 0; r < count; r++)
            for (var i = 0; i < width; i++) rows[r * width + i] = baseRow[i] + (float)((rng.NextDouble() - 0.5) * 1e-3 * (r + 1));
        var pa = Enumerable.Range(0, count - 1).Concat(Enumerable.Range(0, 200).Select(_ => rng.Next(count))).ToArray();
        var pb = pa.Select((a, k) => k < count - 1 ? a + 1 : (a + 1 + rng.Next(count - 1)) % count).ToArray();
        var h2 = new double[pa.Length];
        PairKernels.PairDistances(rows, width, pa, pb, h2);
        for (var p = 0; p < pa.Length; p++)
        {
            var reference = PairMetrics.SquaredDistance(rows.AsSpan(pa[p] * width, width), rows.AsSpan(pb[p] * width, width));
            Assert.Equal(reference, h2[p], reference * 1e-12);
        }
    }
}

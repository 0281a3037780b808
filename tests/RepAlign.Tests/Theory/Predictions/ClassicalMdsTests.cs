using RepAlign.Theory;
using Xunit;

namespace RepAlign.Tests.Theory.Predictions;

public class ClassicalMdsTests
{
    [Fact]
    public void Recovers_a_three_dimensional_configuration_up_to_rotation()
    {
        var rng = new Random(3);
        const int n = 40;
        var points = Enumerable.Range(0, n).Select(_ => new[] { 3 * rng.NextDouble(), 2 * rng.NextDouble(), rng.NextDouble() }).ToArray();
        var d2 = Squared(points);
        var embedded = ClassicalMds.Embed(d2, 3);
        var recovered = Enumerable.Range(0, n).Select(i => new[] { embedded[i, 0], embedded[i, 1], embedded[i, 2] }).ToArray();
        var back = Squared(recovered);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                Assert.Equal(d2[i, j], back[i, j], 1e-8);
        // Leading axis first: its spread is the largest.
        var spread = Enumerable.Range(0, 3).Select(d => Enumerable.Range(0, n).Sum(i => embedded[i, d] * embedded[i, d])).ToArray();
        Assert.True(spread[0] >= spread[1] && spread[1] >= spread[2], string.Join(", ", spread));
    }

    [Fact]
    public void Spearman_uses_ranks_and_slope_fits_a_line()
    {
        double[] x = [1, 2, 3, 4, 5];
        Assert.Equal(1.0, Correlation.Spearman(x, x.Select(v => Math.Exp(v)).ToArray()), 12);
        Assert.Equal(-1.0, Correlation.Spearman(x, x.Select(v => -v * v * v).ToArray()), 12);
        Assert.Equal(Math.Sqrt(3) / 2, Correlation.Spearman([1, 2, 3], [1, 1, 2]), 12); // the tied pair shares rank 0.5
        Assert.Equal(2.5, Correlation.Slope(x, x.Select(v => 2.5 * v - 1).ToArray()), 12);
        Assert.True(double.IsNaN(Correlation.Slope([1, 1], [2, 3])));
    }

    private static double[,] Squared(double[][] points)
    {
        var n = points.Length;
        var d2 = new double[n, n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
                d2[i, j] = points[i].Zip(points[j], (a, b) => (a - b) * (a - b)).Sum();
        return d2;
    }
}

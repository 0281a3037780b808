using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Predictions;

/// <summary>The many-point structure prediction and Pearson r, on cases small enough to check by hand.</summary>
public class StructurePredictionTests
{
    [Fact]
    public void TwoItemsByHand()
    {
        // D_x = [[0, 1], [1, 0]], D_y = [[0, 2], [2, 0]] → A = [[0, 2], [2, 0]], E = exp(−A) = [[1, e⁻²], [e⁻², 1]].
        // E·A = [[2e⁻², 2], [2, 2e⁻²]]; (E·A)·E = [[4e⁻², 2 + 2e⁻⁴], [2 + 2e⁻⁴, 4e⁻²]].
        var dx = StructurePrediction.DistanceMatrix([[0.0, 0.0], [0.6, 0.8]]);
        var dy = StructurePrediction.DistanceMatrix([[Math.Sqrt(2), 0.0], [0.0, -Math.Sqrt(2)]]);
        Assert.Equal(1.0, dx[0, 1], 1e-15);
        Assert.Equal(2.0, dy[0, 1], 1e-15);
        var p = StructurePrediction.Predict(dx, dy);
        double e2 = Math.Exp(-2);
        Assert.Equal(4 * e2, p[0, 0], 1e-14);
        Assert.Equal(4 * e2, p[1, 1], 1e-14);
        Assert.Equal(2 + 2 * e2 * e2, p[0, 1], 1e-14);
        Assert.Equal(p[0, 1], p[1, 0], 1e-15);
    }

    [Fact]
    public void ThreeItemsMatchADirectTripleSum()
    {
        var random = new Random(8);
        var a = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            for (int j = i + 1; j < 3; j++) a[i, j] = a[j, i] = random.NextDouble() * 2;
        }

        var p = StructurePrediction.Predict(a);
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double direct = 0;
                for (int k = 0; k < 3; k++)
                {
                    for (int l = 0; l < 3; l++) direct += Math.Exp(-a[i, k]) * a[k, l] * Math.Exp(-a[l, j]);
                }

                Assert.Equal(direct, p[i, j], 1e-13);
            }
        }
    }

    [Fact]
    public void PearsonMatchesTheTextbookFormula()
    {
        var random = new Random(12);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = 2 + random.Next(50);
            var x = new double[n];
            var y = new double[n];
            for (int i = 0; i < n; i++)
            {
                x[i] = random.NextDouble() * 1e3 + 1e6; // an offset that would ruin a one-pass formula
                y[i] = 0.5 * x[i] + random.NextDouble() * 100;
            }

            // r = cov / (σx σy) computed directly via mean products in decimal-free doubles, centred first.
            double mx = x.Average(), my = y.Average();
            double cov = x.Zip(y, (a, b) => (a - mx) * (b - my)).Sum();
            double vx = x.Sum(a => (a - mx) * (a - mx)), vy = y.Sum(b => (b - my) * (b - my));
            Assert.Equal(cov / Math.Sqrt(vx * vy), Correlation.Pearson(x, y), 1e-12);
        }

        Assert.Equal(1.0, Correlation.Pearson([1, 2, 3], [2, 4, 6]), 1e-15);
        Assert.Equal(-1.0, Correlation.Pearson([1, 2, 3], [3, 2, 1]), 1e-15);
        Assert.True(double.IsNaN(Correlation.Pearson([1, 1, 1], [1, 2, 3])));
        Assert.Throws<ArgumentException>(() => Correlation.Pearson([1, 2], [1, 2, 3]));
    }

    [Fact]
    public void CompareDropsTheSameLabelBlocks()
    {
        // Labels [0, 0, 1]: off-block entries are (0,2), (1,2), (2,0), (2,1).
        double[,] predicted = { { 0, 1, 2 }, { 1, 0, 3 }, { 2, 3, 0 } };
        double[,] measured = { { 5, 9, 4 }, { 9, 5, 6 }, { 4, 6, 5 } };
        var comparison = StructurePrediction.Compare(predicted, measured, [0, 0, 1]);
        Assert.Equal(9, comparison.CountAll);
        Assert.Equal(4, comparison.CountOffBlock);
        Assert.Equal(1.0, comparison.PearsonOffBlock, 1e-14); // (2,3,2,3) vs (4,6,4,6)
        Assert.Equal(
            Correlation.Pearson([0, 1, 2, 1, 0, 3, 2, 3, 0], [5, 9, 4, 9, 5, 6, 4, 6, 5]),
            comparison.PearsonAll, 1e-15);
    }
}

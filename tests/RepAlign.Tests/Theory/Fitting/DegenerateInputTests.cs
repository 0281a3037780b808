using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Fitting;

/// <summary>Bad input gives <see cref="FitStatus.DegenerateInput"/> with a message that names the problem; never an exception or a silent NaN.</summary>
public class DegenerateInputTests
{
    private static Trajectory Good(int count = 50) =>
        TheoryTestData.Synthetic(1e-3, 0.08, 1.0, 0.5, 1e-3, 1e-6, -5e-4, TheoryTestData.Range(count));

    private static void AssertDegenerate(FitResult fit, string expectedInMessage)
    {
        Assert.Equal(FitStatus.DegenerateInput, fit.Status);
        Assert.Contains(expectedInMessage, fit.Message);
        Assert.Equal(Regime.Undetermined, fit.Regime);
        Assert.Empty(fit.HFit);
    }

    [Fact]
    public void ConstantTrajectory()
    {
        double[] epochs = [0, 1, 2, 3, 4];
        var t = new Trajectory(epochs, [0.1, 0.1, 0.1, 0.1, 0.1], [0.2, 0.2, 0.2, 0.2, 0.2], [0, 0, 0, 0, 0]);
        AssertDegenerate(TwoPointFit.Fit(t, 1.0, 0.5), "constant");
    }

    [Fact]
    public void ZeroHiddenDistanceAtSomeEpoch()
    {
        var t = Good();
        t.H[17] = 0;
        AssertDegenerate(TwoPointFit.Fit(t, 1.0, 0.5), "row 17 (epoch 17) has h = 0");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void NaNRow(int column)
    {
        var t = Good();
        (column == 0 ? t.H : column == 1 ? t.Y : t.W)[23] = double.NaN;
        AssertDegenerate(TwoPointFit.Fit(t, 1.0, 0.5), "row 23 (epoch 23)");
    }

    [Fact]
    public void NaNInTheLossColumnWhenTheLossIsFitted()
    {
        var g = Good();
        var loss = new double[g.Count];
        loss[5] = double.PositiveInfinity;
        var t = g with { Loss = loss, Ybar0 = new double[g.Count] };
        AssertDegenerate(TwoPointFit.Fit(t, 1.0, 0.5), "row 5 (epoch 5) has loss = Infinity");
        Assert.Equal(FitStatus.Converged, TwoPointFit.Fit(t, 1.0, 0.5, new FitOptions { FitLoss = false }).Status);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void FewerThanThreeEpochs(int count)
    {
        var t = new Trajectory(TheoryTestData.Range(count), new double[count], new double[count], new double[count]);
        AssertDegenerate(TwoPointFit.Fit(t, 1.0, 0.5), "expected at least 3");
    }

    [Fact]
    public void WindowWithFewerThanThreeEpochs()
    {
        AssertDegenerate(TwoPointFit.Fit(Good(), 1.0, 0.5, new FitOptions { WindowStart = 48 }), "holds 2 recorded epochs");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void NonPositiveDx2(double dx2)
    {
        AssertDegenerate(TwoPointFit.Fit(Good(), dx2, 0.5), "dx2 =");
    }

    [Fact]
    public void NegativeDy2()
    {
        AssertDegenerate(TwoPointFit.Fit(Good(), 1.0, -0.5), "dy2 =");
    }

    [Fact]
    public void MismatchedColumnsAndUnorderedEpochs()
    {
        var g = Good();
        AssertDegenerate(TwoPointFit.Fit(g with { W = new double[3] }, 1.0, 0.5), "column lengths differ");
        var epochs = (double[])g.Epoch.Clone();
        epochs[10] = epochs[9];
        AssertDegenerate(TwoPointFit.Fit(g with { Epoch = epochs }, 1.0, 0.5), "row 10");
    }

    [Fact]
    public void InvalidOptionsThrowArgumentException()
    {
        Assert.Throws<ArgumentException>(() => TwoPointFit.Fit(Good(), 1.0, 0.5, new FitOptions { GridPoints = 0 }));
        Assert.Throws<ArgumentException>(() => TwoPointFit.Fit(Good(), 1.0, 0.5, new FitOptions { GridMin = -1 }));
    }

    [Fact]
    public void RandomGarbageNeverThrowsAndNeverReturnsSilentNaN()
    {
        var random = new Random(2024);
        for (int trial = 0; trial < 40; trial++)
        {
            int n = random.Next(0, 40);
            var epochs = TheoryTestData.Range(n);
            var h = new double[n];
            var y = new double[n];
            var w = new double[n];
            for (int i = 0; i < n; i++)
            {
                h[i] = Pick(random);
                y[i] = Pick(random);
                w[i] = Pick(random);
            }

            var fit = TwoPointFit.Fit(new Trajectory(epochs, h, y, w), Pick(random), Pick(random), new FitOptions { GridPoints = 20, MaxIterations = 20 });
            Assert.False(string.IsNullOrWhiteSpace(fit.Message));
            if (fit.Status is FitStatus.Converged or FitStatus.IterationLimit)
            {
                Assert.True(double.IsFinite(fit.EtaH) && double.IsFinite(fit.EtaY) && double.IsFinite(fit.S), fit.Message);
            }
        }

        static double Pick(Random random) => random.Next(8) switch
        {
            0 => double.NaN,
            1 => 0.0,
            2 => -random.NextDouble(),
            3 => 1e-300,
            _ => Math.Exp(-10 * random.NextDouble()),
        };
    }
}

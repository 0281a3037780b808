using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Predictions;

/// <summary>h(∞), A_low, A_high and the regime against the integrated system and by hand.</summary>
public class FinalDistanceTests
{
    [Fact]
    public void HInfinityIsTheLongTimeLimitOfTheIntegratedSystem()
    {
        var random = new Random(17);
        for (int trial = 0; trial < 25; trial++)
        {
            double etaH = Math.Exp(Math.Log(1e-3) + random.NextDouble() * Math.Log(10));
            double etaY = Math.Exp(Math.Log(1e-2) + random.NextDouble() * Math.Log(10));
            double dx2 = 0.25 + random.NextDouble();
            double dy2 = 0.1 + random.NextDouble();
            double h0 = Math.Exp(Math.Log(1e-3) + random.NextDouble() * Math.Log(1e3));
            double y0 = Math.Exp(Math.Log(1e-6) + random.NextDouble() * Math.Log(1e5));
            double w0 = y0 - Math.Sqrt(dy2 * y0) * random.NextDouble(); // predictions aligned with the targets (see the collapse test)
            var system = new TwoPointSystem(etaH, etaY, dx2, dy2);
            var end = DormandPrinceIntegrator.Solve(system, [h0, y0, w0], 0.0, [2e5], null, out var outcome);
            Assert.Equal(IntegrationOutcome.Completed, outcome);
            var prediction = FinalDistance.Predict(etaH, etaY, dx2, dy2, h0, y0);
            Assert.True(Math.Abs(end[0] / prediction.HInfinity - 1) < 1e-6, $"trial {trial}: h(T) = {end[0]}, h(∞) = {prediction.HInfinity}");
            Assert.Equal(dy2, end[1], 1e-6 * dy2);
            Assert.Equal(0.0, end[2], 1e-6);
        }
    }

    [Fact]
    public void AFiniteTimeCollapseOfHIsReportedNotIntegratedThrough()
    {
        // Predictions anti-aligned with the targets (w0 ≫ y0) drive h to 0 at t ≈ 10 (the reference
        // integrator at 1e5 steps per epoch agrees); C is conserved up to there, so no h(∞) exists.
        var system = new TwoPointSystem(0.0060162549247091465, 0.0908429327485733, 0.4505479965361524, 1.0010153254033138);
        var states = DormandPrinceIntegrator.Solve(system, [0.0021856876900758103, 0.024389979808409668, 0.17625869567761104], 0.0, [5.0, 20.0], null, out var outcome);
        Assert.Equal(IntegrationOutcome.StepSizeUnderflow, outcome);
        Assert.Equal(0.000492128, states[0], 1e-9);
        Assert.True(double.IsNaN(states[3]));
    }

    [Fact]
    public void HandCheckedValues()
    {
        // ratio 2, dx2 2, dy2 2: A_low = sqrt(8); h0 = 4, y0 = 1: A_high = 4 − 2·2·1/4 = 3.
        var p = FinalDistance.Predict(etaH: 0.2, etaY: 0.1, dx2: 2, dy2: 2, h0: 4, y0: 1);
        Assert.Equal(Math.Sqrt(8), p.ALow, 1e-14);
        Assert.Equal(3.0, p.AHigh, 1e-14);
        Assert.Equal(1.5 + Math.Sqrt(2.25 + 8), p.HInfinity, 1e-14);
        Assert.Equal(Math.Sqrt(8) / 3, p.RichnessRatio, 1e-14);
        Assert.Equal(Regime.Intermediate, p.Regime);
    }

    [Fact]
    public void RegimeThresholdsAndLimits()
    {
        Assert.Equal(Regime.Rich, FinalDistance.Classify(10.0001));
        Assert.Equal(Regime.Intermediate, FinalDistance.Classify(10));
        Assert.Equal(Regime.Intermediate, FinalDistance.Classify(0.1));
        Assert.Equal(Regime.Lazy, FinalDistance.Classify(0.0999));
        Assert.Equal(Regime.Rich, FinalDistance.Classify(FinalDistance.RichnessRatio(1, 0)));
        // rich limit h(∞) → A_low, lazy limit h(∞) → A_high, negative A_high without cancellation
        Assert.Equal(1.0, FinalDistance.HInfinity(1.0, 1e-9), 1e-8);
        Assert.Equal(1e6, FinalDistance.HInfinity(1.0, 1e6), 1e-5);
        Assert.Equal(1e-12, FinalDistance.HInfinity(1e-3, -1e6), 1e-20);
    }

    [Fact]
    public void PairwiseMatrixAppliesTheScalarPredictionToEveryPair()
    {
        var random = new Random(4);
        const int n = 4;
        double[,] dx2 = new double[n, n], dy2 = new double[n, n], h0 = new double[n, n], y0 = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                dx2[i, j] = dx2[j, i] = random.NextDouble() + 0.1;
                dy2[i, j] = dy2[j, i] = random.Next(2);
                h0[i, j] = h0[j, i] = random.NextDouble() + 0.01;
                y0[i, j] = y0[j, i] = random.NextDouble() * 0.1;
            }
        }

        const double ratio = 0.3;
        var matrix = FinalDistance.PairwiseHInfinity(dx2, dy2, h0, y0, ratio);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(0.0, matrix[i, i]);
            for (int j = 0; j < n; j++)
            {
                if (i == j) continue;
                var p = FinalDistance.Predict(ratio, 1.0, dx2[i, j], dy2[i, j], h0[i, j], y0[i, j]);
                Assert.Equal(p.HInfinity, matrix[i, j], 1e-15);
                Assert.Equal(matrix[j, i], matrix[i, j]);
            }
        }

        Assert.Throws<ArgumentException>(() => FinalDistance.PairwiseHInfinity(dx2, new double[n, n + 1], h0, y0, ratio));
        Assert.Throws<ArgumentException>(() => FinalDistance.PairwiseHInfinity(dx2, dy2, h0, y0, -1));
    }
}

using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Predictions;

/// <summary>The analytic loss formula and the η_ybar fit.</summary>
public class AnalyticLossTests
{
    [Fact]
    public void FormulaReproducesTheFixtureLossAtEveryRecordedQuantity()
    {
        // At t = 0 the formula uses only measured values: L = ¼[2·ybar0 + w + ½(dy2 − y)].
        var f = TheoryTestData.Default;
        var t = f.Trajectory;
        for (int i = 0; i < t.Count; i += 97)
        {
            double formula = 0.25 * (2 * t.Ybar0![i] + t.W[i] + 0.5 * (f.Dy2 - t.Y[i]));
            Assert.Equal(t.Loss![i], formula, 1e-5);
        }

        Assert.Equal(t.Loss![0], AnalyticLoss.Loss(0, 123.0, t.Ybar0![0], t.W[0], t.Y[0], f.Dy2), 1e-6);
    }

    [Theory]
    [InlineData(3e-5)]
    [InlineData(0.011)]
    [InlineData(0.4)]
    public void EtaYbarIsRecoveredFromASyntheticLossCurve(double etaYbar)
    {
        var system = new TwoPointSystem(1e-3, 0.08, 1.0, 0.5);
        var times = TheoryTestData.Range(3000);
        var states = DormandPrinceIntegrator.Solve(system, [1e-3, 1e-6, -5e-4], 0.0, times, null, out _);
        var w = new double[times.Length];
        var y = new double[times.Length];
        var loss = new double[times.Length];
        for (int i = 0; i < times.Length; i++)
        {
            y[i] = states[3 * i + 1];
            w[i] = states[3 * i + 2];
            loss[i] = AnalyticLoss.Loss(times[i], etaYbar, 0.9, w[i], y[i], 0.5);
        }

        double fitted = AnalyticLoss.FitEtaYbar(times, loss, 0.9, w, y, 0.5, out double objective);
        Assert.Equal(etaYbar, fitted, etaYbar * 1e-6);
        Assert.True(objective < 1e-20);
    }
}

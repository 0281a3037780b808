using RepAlign.Core.Specs;
using RepAlign.Theory;
using Xunit.Abstractions;

namespace RepAlign.Tests.Theory.Fitting;

/// <summary>The fitted initial state and the rates' 95 % intervals: what they recover, and NaN with a reason where they do not exist.</summary>
public class RateIntervalTests(ITestOutputHelper output)
{
    private static readonly SyntheticCase Intermediate = SyntheticTrajectory.Cases.Single(c => c.Name == "intermediate");

    [Fact]
    public void AFittedInitialStateRecoversTheTrueStartFromACorruptedFirstSample()
    {
        // Noiseless but for the first sample, 5 % off in h, y and w: the measured fit is biased by several per cent; the
        // fitted one lands within 1e-3 (the corrupted sample is still one of the 1500 residuals and pulls a little).
        var c = Intermediate;
        var epochs = SyntheticTrajectory.Range(1500);
        var states = SyntheticTrajectory.Clean(c, epochs, DynamicsVariant.True, out var outcome);
        Assert.Equal(IntegrationOutcome.Completed, outcome);
        var t = SyntheticTrajectory.WithNoise(epochs, states, 0.0, NoiseModel.Relative, new Random(1), noisyFirst: false);
        t.H[0] *= 1.05;
        t.Y[0] *= 0.95;
        t.W[0] *= 1.05;

        var measured = TwoPointFit.Fit(t, c.Dx2, c.Dy2, new FitOptions { FitLoss = false });
        var fitted = TwoPointFit.Fit(t, c.Dx2, c.Dy2, new FitOptions { Initial = InitialState.Fitted, FitLoss = false });
        output.WriteLine($"measured: η_h {measured.EtaH:G6} η_y {measured.EtaY:G6}; fitted: η_h {fitted.EtaH:G6} η_y {fitted.EtaY:G6}, start ({fitted.H0:G6}, {fitted.Y0:G6}, {fitted.W0:G6}); {fitted.Message}");
        Assert.Equal(FitStatus.Converged, fitted.Status);
        Assert.Equal(InitialState.Fitted, fitted.Initial);
        Assert.True(Math.Abs(measured.EtaH / c.EtaH - 1) > 0.03, $"the corrupted first sample biases the measured fit: η_h {measured.EtaH}");
        Assert.Equal(c.EtaH, fitted.EtaH, c.EtaH * 1e-3);
        Assert.Equal(c.EtaY, fitted.EtaY, c.EtaY * 1e-3);
        Assert.Equal(c.H0, fitted.H0, c.H0 * 1e-3);
        Assert.Equal(c.Y0, fitted.Y0, Math.Abs(c.Y0) * 1e-3);
        Assert.Equal(c.W0, fitted.W0, Math.Abs(c.W0) * 1e-3);
        Assert.Equal(fitted.H0, fitted.HFit[0]); // the curves start from the fitted state
        Assert.True(fitted.S < 0.1 * measured.S, $"S fitted {fitted.S} vs measured {measured.S}");
        Assert.Equal(fitted.S, TwoPointFit.ObjectiveFrom(t, c.Dx2, c.Dy2, fitted.EtaH, fitted.EtaY, fitted.H0, fitted.Y0, fitted.W0), fitted.S * 1e-6 + 1e-15);
    }

    [Theory]
    [InlineData(InitialState.Measured)]
    [InlineData(InitialState.Fitted)]
    public void IntervalsArePositiveAroundTheEstimateAndMatchTheStandardErrors(InitialState initial)
    {
        var c = Intermediate;
        var epochs = SyntheticTrajectory.Range(1000);
        var states = SyntheticTrajectory.Clean(c, epochs, DynamicsVariant.True, out _);
        var t = SyntheticTrajectory.WithNoise(epochs, states, 0.01, NoiseModel.Relative, new Random(5), noisyFirst: true);
        var fit = TwoPointFit.Fit(t, c.Dx2, c.Dy2, new FitOptions { Initial = initial, FitLoss = false });
        Assert.Equal(FitStatus.Converged, fit.Status);
        Assert.Equal("", fit.IntervalNote);
        Assert.True(0 < fit.EtaHLow && fit.EtaHLow < fit.EtaH && fit.EtaH < fit.EtaHHigh, $"η_h {fit.EtaH} in [{fit.EtaHLow}, {fit.EtaHHigh}]");
        Assert.True(0 < fit.EtaYLow && fit.EtaYLow < fit.EtaY && fit.EtaY < fit.EtaYHigh, $"η_y {fit.EtaY} in [{fit.EtaYLow}, {fit.EtaYHigh}]");
        // Log scale: the interval is exp(±1.96·se/η) around η, so its geometric centre is η and its log half-width 1.96·se/η.
        Assert.Equal(fit.EtaH, Math.Sqrt(fit.EtaHLow * fit.EtaHHigh), fit.EtaH * 1e-12);
        Assert.Equal(1.959963984540054 * fit.StdErrEtaH / fit.EtaH, 0.5 * Math.Log(fit.EtaHHigh / fit.EtaHLow), 1e-12);
        Assert.Equal(1.959963984540054 * fit.StdErrEtaY / fit.EtaY, 0.5 * Math.Log(fit.EtaYHigh / fit.EtaYLow), 1e-12);
    }

    [Fact]
    public void TheReferenceFixturesRatesLieInsideTheMeasuredIntervals()
    {
        // The paper's fit of the default setting (SciPy: Radau + BFGS at t = linspace(0, n, n)): its rates differ from ours
        // by a few parts in 10⁴; the intervals, from the residuals' scatter around the theory, must contain them.
        var fixture = TheoryTestData.Default;
        var fit = TwoPointFit.Fit(fixture.Trajectory, fixture.Dx2, fixture.Dy2);
        output.WriteLine($"η_h {fit.EtaH:G6} [{fit.EtaHLow:G6}, {fit.EtaHHigh:G6}] reference {fixture.Reference.EtaH:G6}; η_y {fit.EtaY:G6} [{fit.EtaYLow:G6}, {fit.EtaYHigh:G6}] reference {fixture.Reference.EtaY:G6}");
        Assert.Equal(InitialState.Measured, fit.Initial);
        Assert.Equal(fixture.Trajectory.H[0], fit.H0);
        Assert.InRange(fixture.Reference.EtaH, fit.EtaHLow, fit.EtaHHigh);
        Assert.InRange(fixture.Reference.EtaY, fit.EtaYLow, fit.EtaYHigh);
    }

    [Fact]
    public void AnUnidentifiableRateGivesNaNIntervalsWithAReasonNeverATinyOne()
    {
        // h frozen: η_h moves nothing the fit sees, so the curvature in ln η_h vanishes as the fit drives η_h down.
        var c = new SyntheticCase("frozen", 1e-14, 0.02, 1.0, 0.5, 4.0, 0.1, 0.05);
        var epochs = SyntheticTrajectory.Range(800);
        var states = SyntheticTrajectory.Clean(c, epochs, DynamicsVariant.True, out _);
        var t = SyntheticTrajectory.WithNoise(epochs, states, 0.0, NoiseModel.Relative, new Random(1), noisyFirst: false);
        var fit = TwoPointFit.Fit(t, c.Dx2, c.Dy2, new FitOptions { FitLoss = false });
        output.WriteLine($"{fit.Status}: η_h {fit.EtaH:G4} se {fit.StdErrEtaH:G4} [{fit.EtaHLow}, {fit.EtaHHigh}] — {fit.IntervalNote}; {fit.Message}");
        Assert.Contains("singular curvature", fit.IntervalNote);
        Assert.Contains("not identifiable", fit.IntervalNote);
        Assert.True(double.IsNaN(fit.EtaHLow) && double.IsNaN(fit.EtaHHigh) && double.IsNaN(fit.EtaYLow) && double.IsNaN(fit.EtaYHigh));
        Assert.Equal(double.PositiveInfinity, fit.StdErrEtaH);
    }

    [Fact]
    public void AFitStoppedAtItsIterationLimitHasNoInterval()
    {
        var c = Intermediate;
        var t = SyntheticTrajectory.WithNoise(SyntheticTrajectory.Range(500), SyntheticTrajectory.Clean(c, SyntheticTrajectory.Range(500), DynamicsVariant.True, out _),
            0.01, NoiseModel.Relative, new Random(3), noisyFirst: true);
        var fit = TwoPointFit.Fit(t, c.Dx2, c.Dy2, new FitOptions { Initial = InitialState.Fitted, MaxIterations = 1, FitLoss = false });
        Assert.Equal(FitStatus.IterationLimit, fit.Status);
        Assert.Contains("not converged", fit.IntervalNote);
        Assert.True(double.IsNaN(fit.EtaHLow) && double.IsNaN(fit.EtaYHigh));
    }

    [Fact]
    public void DegenerateInputHasNoIntervalAndSaysWhy()
    {
        var fit = TwoPointFit.Fit(new Trajectory([0, 1], [1, 1], [0, 0], [0, 0]), 1.0, 0.5, new FitOptions { Initial = InitialState.Fitted });
        Assert.Equal(FitStatus.DegenerateInput, fit.Status);
        Assert.True(double.IsNaN(fit.EtaHLow));
        Assert.Contains("DegenerateInput", fit.IntervalNote);
    }
}

using RepAlign.Core.Specs;
using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Fitting;

/// <summary>The 6000-epoch default fixture: our objective reproduces the reference's, and our fit is at least as good.</summary>
public class FixtureFitTests
{
    private static readonly Lazy<FitResult> TrueFit = new(() =>
    {
        var fixture = TheoryTestData.Default;
        return TwoPointFit.Fit(fixture.Trajectory, fixture.Dx2, fixture.Dy2);
    });

    [Fact]
    public void ObjectiveAtTheReferenceRatesMatchesTheReferenceFitLoss()
    {
        var fixture = TheoryTestData.Default;
        double s = TwoPointFit.Objective(fixture.Trajectory, fixture.Dx2, fixture.Dy2, fixture.Reference.EtaH, fixture.Reference.EtaY);
        Assert.Equal(1.0, s / fixture.Reference.FitLoss, 1e-3);
    }

    [Fact]
    public void FitReachesAtMostTheReferenceObjective()
    {
        var fixture = TheoryTestData.Default;
        var fit = TrueFit.Value;
        Assert.Equal(FitStatus.Converged, fit.Status);
        Assert.True(fit.S <= 1.02 * fixture.Reference.FitLoss, $"S = {fit.S}, reference {fixture.Reference.FitLoss}");
        Assert.Equal(fixture.Reference.EtaH, fit.EtaH, fixture.Reference.EtaH * 0.01);
        Assert.Equal(fixture.Reference.EtaY, fit.EtaY, fixture.Reference.EtaY * 0.01);
        Assert.True(fit.HasLossFit);
        Assert.Equal(fixture.Reference.EtaYbar, fit.EtaYbar, fixture.Reference.EtaYbar * 0.02);
    }

    [Fact]
    public void FitSummaryIsConsistent()
    {
        var fixture = TheoryTestData.Default;
        var fit = TrueFit.Value;
        int n = fixture.Trajectory.Count;
        Assert.Equal(n, fit.HFit.Length);
        Assert.Equal(n, fit.LossFit.Length);
        Assert.Equal(fixture.Trajectory.H[0], fit.HFit[0]);
        Assert.True(fit.R2H > 0.95 && fit.R2Y > 0.95 && fit.R2W > 0.8, $"R² {fit.R2H} {fit.R2Y} {fit.R2W}");
        Assert.Equal(Regime.Rich, fit.Regime);
        Assert.Equal(fixture.Trajectory.H[^1], fit.HInfObs);
        Assert.Equal(fit.HInfObs, fit.HInfPred, 0.1 * fit.HInfObs);
        Assert.True(fit.StdErrEtaH > 0 && fit.StdErrEtaH < 0.01 * fit.EtaH);
        Assert.True(fit.StdErrEtaY > 0 && fit.StdErrEtaY < 0.01 * fit.EtaY);
        Assert.Equal(fit.ALow, FinalDistance.ALow(fit.EtaH / fit.EtaY, fixture.Dx2, fixture.Dy2), 1e-15);
        Assert.NotEmpty(fit.Message);
    }

    [Theory]
    [InlineData(DynamicsVariant.DyTimesTwo)]
    [InlineData(DynamicsVariant.DhTimesTwo)]
    [InlineData(DynamicsVariant.WSignFlip)]
    [InlineData(DynamicsVariant.NoEtaHInDy)]
    public void EveryAlteredSystemFitsWorseThanTheTrueOne(DynamicsVariant variant)
    {
        var fixture = TheoryTestData.Default;
        var altered = TwoPointFit.Fit(fixture.Trajectory, fixture.Dx2, fixture.Dy2, new FitOptions { Dynamics = variant, FitLoss = false });
        Assert.NotEqual(FitStatus.DegenerateInput, altered.Status);
        Assert.True(!(altered.S <= TrueFit.Value.S), $"{variant}: S = {altered.S} vs true {TrueFit.Value.S}");
    }
}

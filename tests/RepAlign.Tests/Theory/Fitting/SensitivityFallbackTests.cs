using RepAlign.Pipelines.Fitting;
using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Fitting;

/// <summary>
/// Layer 18 of the default 20×500 network (every 10th epoch of 6000): at the grid's best rates the
/// sensitivity equations cannot be integrated (h collapses nearby), so the fit refines without them.
/// </summary>
public class SensitivityFallbackTests
{
    [Fact]
    public void FitsWhereTheSensitivitiesFailAndLandsOnALocalMinimum()
    {
        var t = TrajectoryCsv.Read(TestPaths.TestData("depth_layer18_every10.csv"));
        var fit = TwoPointFit.Fit(t, 1.0, 0.5);
        Assert.Equal(FitStatus.Converged, fit.Status);
        Assert.Contains("Nelder–Mead", fit.Message);
        Assert.True(fit.R2H > 0.99 && fit.R2Y > 0.99, fit.Message);
        Assert.True(double.IsFinite(fit.S));
        foreach (var (fh, fy) in new[] { (1.02, 1.0), (0.98, 1.0), (1.0, 1.02), (1.0, 0.98) })
        {
            var nearby = TwoPointFit.Objective(t, 1.0, 0.5, fit.EtaH * fh, fit.EtaY * fy);
            Assert.True(nearby >= fit.S * (1 - 1e-9), $"S = {fit.S} but {nearby} at ×({fh}, {fy})");
        }
    }
}

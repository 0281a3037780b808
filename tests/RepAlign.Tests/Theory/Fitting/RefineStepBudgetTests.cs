using System.Globalization;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Spec;
using RepAlign.Theory;

namespace RepAlign.Tests.Theory.Fitting;

/// <summary>
/// The refinement's step budget (<see cref="FitOptions.RefineStepsPerEpoch"/>, pipeline key fit.refine_steps_per_epoch):
/// on a stiff trajectory it stops trials the explicit integrator cannot follow, says so, and ends no worse than the
/// unbudgeted fit; on a smooth one it changes nothing.
/// </summary>
public class RefineStepBudgetTests
{
    // Hidden layer 2 of the first pair (digits 0 and 1) of pipelines/mnist-structure.toml's first trial on the full MNIST
    // set (Adam, 200 epochs, 12 log-spaced checkpoints): its objective keeps falling, very slowly, towards η_h ≈ 10³ per
    // epoch, where the system is so stiff that every unbudgeted trial takes tens of thousands of steps.
    private static (Trajectory Trajectory, double Dx2, double Dy2) Stiff()
    {
        var rows = File.ReadLines(TestPaths.TestData(Path.Combine("mnist", "adam_structure_pair0_layer2.csv"))).Skip(1)
            .Select(line => line.Split(',').Select(f => double.Parse(f, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var t = new Trajectory(rows.Select(r => r[0]).ToArray(), rows.Select(r => r[1]).ToArray(), rows.Select(r => r[2]).ToArray(), rows.Select(r => r[3]).ToArray());
        return (t, rows[0][4], rows[0][5]);
    }

    [Fact]
    public void OnAStiffTrajectoryTheBudgetStopsTrialsSaysSoAndEndsNoWorse()
    {
        var (t, dx2, dy2) = Stiff();
        var options = FitOptions.Default with { FitLoss = false };
        var budgeted = TwoPointFit.Fit(t, dx2, dy2, options);
        var unbudgeted = TwoPointFit.Fit(t, dx2, dy2, options with { RefineStepsPerEpoch = null });

        Assert.Equal(FitStatus.Converged, budgeted.Status);
        Assert.Contains("stopped at the step limit of 4000 integration steps", budgeted.Message); // 20 per epoch × 200 epochs
        Assert.Contains("fit.refine_steps_per_epoch", budgeted.Message);
        Assert.Equal(FitStatus.Converged, unbudgeted.Status);
        Assert.Contains("stopped at the step limit of 200000 integration steps", unbudgeted.Message); // the integrator's own limit
        Assert.DoesNotContain("fit.refine_steps_per_epoch", unbudgeted.Message);
        // The objective is nearly flat in η_h up there: the budgeted optimum is within 1 % of the unbudgeted one's S.
        Assert.True(budgeted.S <= 1.01 * unbudgeted.S, $"budgeted S = {budgeted.S:R}, unbudgeted S = {unbudgeted.S:R}");
        Assert.True(budgeted.EtaH < unbudgeted.EtaH, $"η_h: budgeted {budgeted.EtaH}, unbudgeted {unbudgeted.EtaH}");
    }

    [Fact]
    public void OnASmoothTrajectoryTheBudgetChangesNothing()
    {
        var fixture = TheoryTestData.Default;
        var budgeted = TwoPointFit.Fit(fixture.Trajectory, fixture.Dx2, fixture.Dy2);
        var unbudgeted = TwoPointFit.Fit(fixture.Trajectory, fixture.Dx2, fixture.Dy2, FitOptions.Default with { RefineStepsPerEpoch = null });
        Assert.Equal(unbudgeted.Status, budgeted.Status);
        Assert.Equal(unbudgeted.Message, budgeted.Message);
        Assert.Equal(BitConverter.DoubleToInt64Bits(unbudgeted.S), BitConverter.DoubleToInt64Bits(budgeted.S));
        Assert.Equal(BitConverter.DoubleToInt64Bits(unbudgeted.EtaH), BitConverter.DoubleToInt64Bits(budgeted.EtaH));
        Assert.Equal(BitConverter.DoubleToInt64Bits(unbudgeted.EtaY), BitConverter.DoubleToInt64Bits(budgeted.EtaY));
        Assert.Equal(BitConverter.DoubleToInt64Bits(unbudgeted.EtaHHigh), BitConverter.DoubleToInt64Bits(budgeted.EtaHHigh));
    }

    [Fact]
    public void ThePipelineKeySetsTheBudgetAndZeroTurnsItOff()
    {
        Assert.Equal(20, BulkFit.Options(PipelineFile.Parse("[fit]\ngrid_points = 50\n", "p.toml", []).Fit).RefineStepsPerEpoch);
        Assert.Equal(50, BulkFit.Options(PipelineFile.Parse("[fit]\nrefine_steps_per_epoch = 50\n", "p.toml", []).Fit).RefineStepsPerEpoch);
        Assert.Null(BulkFit.Options(PipelineFile.Parse("[fit]\nrefine_steps_per_epoch = 0\n", "p.toml", []).Fit).RefineStepsPerEpoch);
        var error = Assert.Throws<RepAlign.Core.BadInputException>(() => PipelineFile.Parse("[fit]\nrefine_steps_per_epoch = -1\n", "p.toml", [])).Message;
        Assert.Contains("fit.refine_steps_per_epoch", error);
        var fixture = TheoryTestData.Default;
        var invalid = Assert.Throws<ArgumentException>(() => TwoPointFit.Fit(fixture.Trajectory, fixture.Dx2, fixture.Dy2, FitOptions.Default with { RefineStepsPerEpoch = 0 }));
        Assert.Contains("RefineStepsPerEpoch", invalid.Message);
    }
}

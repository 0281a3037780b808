using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Spec;
using RepAlign.Theory;

namespace RepAlign.Tests.Pipelines.Fitting;

/// <summary>fit.initial and fit.alternatives from a pipeline file to the fits table's columns.</summary>
public class FitColumnsTests
{
    private static readonly Lazy<IReadOnlyList<TrajectoryInput>> Mnist = new(() =>
        BulkFit.FromPairs(TableFile.Read<PairRow>(TestPaths.TestData(Path.Combine("mnist", "pairs_1800.parquet"))).Where(r => r.Pair < 3)));

    [Fact]
    public void PipelineKeysSetTheInitialStateAndTheRivals()
    {
        var spec = PipelineFile.Parse("[fit]\ninitial = \"fitted\"\nalternatives = true\n", "p.toml", []);
        Assert.Equal(InitialState.Fitted, spec.Fit.Initial);
        Assert.True(spec.Fit.Alternatives);
        var options = BulkFit.Options(spec.Fit);
        Assert.Equal(InitialState.Fitted, options.Initial);
        Assert.True(options.Alternatives);
        var defaults = PipelineFile.Parse("[fit]\ngrid_points = 50\n", "p.toml", []);
        Assert.Equal(InitialState.Measured, defaults.Fit.Initial); // RepAlign's own checkpoints: the first sample is exact
        Assert.False(defaults.Fit.Alternatives);
        var error = Assert.Throws<RepAlign.Core.BadInputException>(() => PipelineFile.Parse("[fit]\ninitial = \"fited\"\n", "p.toml", [])).Message;
        Assert.Contains("fit.initial", error);
        Assert.Contains("did you mean 'fitted'", error);
    }

    [Fact]
    public void FitRowsCarryIntervalsAndTheRivalsOnRealTrajectories()
    {
        var inputs = Mnist.Value;
        Assert.Equal(12, inputs.Count); // 3 pairs × 4 layers
        var (plain, _) = BulkFit.Run(inputs, FitOptions.Default with { FitLoss = false }, keepCurves: _ => false);
        var (rivals, _) = BulkFit.Run(inputs, FitOptions.Default with { FitLoss = false, Alternatives = true }, keepCurves: _ => false);
        var names = SnakeCase.Names<DynamicsVariant>().Where(n => n != "true").Append("none").ToHashSet();
        for (int i = 0; i < inputs.Count; i++)
        {
            var (p, r) = (plain[i], rivals[i]);
            Assert.Equal("measured", p.Initial);
            Assert.Equal("", p.BestAlternative);
            Assert.True(double.IsNaN(p.SRatioAlternative));
            Assert.Equal(p.FitLoss, r.FitLoss); // the rivals leave the fit itself alone
            Assert.Contains(r.BestAlternative, names);
            Assert.False(double.IsNaN(r.SRatioAlternative), $"pair {r.Pair} layer {r.Layer}: {r.Message}");
            if (p.IntervalNote == "")
            {
                Assert.True(p.EtaHLo > 0 && p.EtaHLo <= p.EtaH && p.EtaH <= p.EtaHHi, $"η_h {p.EtaH} in [{p.EtaHLo}, {p.EtaHHi}]");
                Assert.True(p.EtaYLo > 0 && p.EtaYLo <= p.EtaY && p.EtaY <= p.EtaYHi, $"η_y {p.EtaY} in [{p.EtaYLo}, {p.EtaYHi}]");
            }
            else
            {
                Assert.True(double.IsNaN(p.EtaHLo) && double.IsNaN(p.EtaYHi), $"{p.IntervalNote}: interval must be NaN");
            }
        }

        Assert.Contains(plain, p => p.IntervalNote == ""); // at least some real fits have intervals
    }
}

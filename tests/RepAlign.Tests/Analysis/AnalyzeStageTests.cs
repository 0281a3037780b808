using RepAlign.Analysis;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Runner;
using static RepAlign.Tests.Analysis.AnalysisFixtures;

namespace RepAlign.Tests.Analysis;

/// <summary>The analyze stage end to end on a synthetic fits.parquet in a temporary run folder.</summary>
public class AnalyzeStageTests
{
    private static StageContext Context(string root, DataKind kind, bool csv) => new()
    {
        Spec = new ExperimentSpec { Name = "analyze-test", Data = new DataSpec { Kind = kind } },
        Layout = new RunLayout(root),
        Csv = csv,
        Observer = SilentObserver.Instance,
    };

    [Fact]
    public void WritesLayerAndClassPairTablesAndSaysHowManyPairsAreDescribedWell()
    {
        using var scratch = new ScratchFolder();
        var context = Context(scratch.Path, DataKind.Mnist, csv: true);
        var fits = SyntheticMnistFits(pairs: 200, layers: 3).ToList();
        fits.AddRange(Enumerable.Range(200, 50).Select(p => Fit(p, 1, r2H: 0.3, labelA: 1, labelB: 2)));
        TableFile.Write(fits, context.Layout.Fits, csv: false);

        IStage stage = new AnalyzeStage();
        Assert.Equal("analyze", stage.Name);
        Assert.Equal(["fit"], stage.DependsOn);
        var outcome = stage.Run(context);

        var layout = context.Layout;
        Assert.Equal([layout.AnalyzeLayers, layout.AnalyzeClassPairs, Path.ChangeExtension(layout.AnalyzeLayers, ".csv"),
            Path.ChangeExtension(layout.AnalyzeClassPairs, ".csv")], outcome.Outputs);
        Assert.All(outcome.Outputs, f => Assert.True(File.Exists(f), f));

        var layers = TableFile.Read<FitFrames.LayerSummary>(layout.AnalyzeLayers);
        Assert.Equal([0, 1, 2], layers.Select(s => s.Layer));
        Assert.Equal([200, 250, 200], layers.Select(s => s.Pairs));
        var expected = fits.Where(f => f.Layer == 1).Count(FitFrames.describedWell) / 250.0;
        Assert.Equal(expected, layers[1].DescribedWell, 1e-12);
        var (lo, hi) = RepAlign.Theory.Wilson.Interval(fits.Where(f => f.Layer == 1).Count(FitFrames.describedWell), 250);
        Assert.Equal(lo, layers[1].DescribedWellLo, 1e-12);
        Assert.Equal(hi, layers[1].DescribedWellHi, 1e-12);
        Assert.Contains($"layer 1: {Math.Round(100 * expected):F0}% [{Math.Round(100 * lo):F0}–{Math.Round(100 * hi):F0}%] of 250 pairs described well (R² ≥ 0.9)", outcome.Message);
        Assert.All(layers, s => Assert.True(s.EtaHMedianLo <= s.EtaHMedian && s.EtaHMedian <= s.EtaHMedianHi));

        var classPairs = TableFile.Read<FitFrames.ClassPairSummary>(layout.AnalyzeClassPairs);
        Assert.Equal(fits.Count, classPairs.Sum(p => p.Pairs));
        Assert.Contains(classPairs, p => p is { Layer: 1, LabelLow: 1, LabelHigh: 2 } && p.Pairs >= 50);
    }

    [Fact]
    public void ATwoPointRunGetsOneLayerRowAndAnEmptyClassPairTable()
    {
        using var scratch = new ScratchFolder();
        var context = Context(scratch.Path, DataKind.TwoPoint, csv: false);
        TableFile.Write([Fit(0, 10, r2H: 0.999, r2Y: 0.998)], context.Layout.Fits, csv: false);

        var outcome = ((IStage)new AnalyzeStage()).Run(context);

        Assert.Equal(2, outcome.Outputs.Count);
        Assert.Equal("layer 10: 100% [21–100%] of 1 pair described well (R² ≥ 0.9)", outcome.Message); // Wilson: 1 of 1
        var layer = Assert.Single(TableFile.Read<FitFrames.LayerSummary>(context.Layout.AnalyzeLayers));
        Assert.Equal(1.0, layer.DescribedWell);
        Assert.Empty(TableFile.Read<FitFrames.ClassPairSummary>(context.Layout.AnalyzeClassPairs));
        Assert.False(File.Exists(Path.ChangeExtension(context.Layout.AnalyzeLayers, ".csv")));
    }

    [Fact]
    public void ParametersDependOnTheSpecNameAndDataKind()
    {
        IStage stage = new AnalyzeStage();
        var a = System.Text.Json.JsonSerializer.Serialize(stage.Parameters(new ExperimentSpec { Name = "x" }));
        var b = System.Text.Json.JsonSerializer.Serialize(stage.Parameters(new ExperimentSpec { Name = "x", Data = new DataSpec { Kind = DataKind.Mnist } }));
        Assert.NotEqual(a, b);
        Assert.Contains("describedWellR2", a);
    }
}

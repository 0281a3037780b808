using RepAlign.Analysis;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Runner;
using static RepAlign.Tests.Analysis.AnalysisFixtures;

namespace RepAlign.Tests.Analysis;

/// <summary>The data-set report: sections present when their inputs are, left out (not crashing) when not.</summary>
public class DatasetReportTests
{
    /// <summary>The names of the heat maps among the report's figures.</summary>
    private static string[] Heatmaps(DatasetReport.Inputs inputs) =>
        [.. HtmlPage.figures(DatasetReport.sections(inputs)).Where(f => f.Series.Any(s => s.IsHeatmap)).Select(f => f.Name)];

    private static DatasetReport.Inputs With(FitRow[] fits, CurveRow[] curves, FitFrames.LayerSummary[] layers, FitFrames.ClassPairSummary[] classPairs,
        ProbeRow[] probe, AccuracyRow[] accuracy, EpochRow[] loss) => new(fits, curves, layers, classPairs, probe, accuracy, loss);

    private static readonly ExperimentSpec Spec = new() { Name = "mnist-test", Data = new DataSpec { Kind = DataKind.Mnist } };

    private static (FitRow[] Fits, FitFrames.LayerSummary[] Layers, FitFrames.ClassPairSummary[] ClassPairs) Inputs()
    {
        var fits = SyntheticMnistFits(pairs: 120, layers: 4);
        return (fits, FitFrames.summariseLayers(fits), FitFrames.summariseClassPairs(fits));
    }

    private static ProbeRow[] Probe() =>
        [.. from e in Enumerable.Range(0, 5) from l in Enumerable.Range(0, 4)
            select new ProbeRow { Epoch = e, Layer = l, Accuracy = 0.5 + 0.1 * e, TrainImages = 800, TestImages = 200 }];

    private static AccuracyRow[] Accuracy() =>
        [.. Enumerable.Range(0, 5).Select(e => new AccuracyRow { Epoch = e, Accuracy = 0.1 + 0.2 * e, Images = 1000 })];

    private static EpochRow[] Loss() => [.. Enumerable.Range(1, 4).Select(e => new EpochRow { Epoch = e, Loss = 1.0 / e })];

    [Fact]
    public void WithEveryInputTheReportHasEverySectionAndHeatMaps()
    {
        var (fits, layers, classPairs) = Inputs();
        var inputs = With(fits, Curves([3, 17, 40], layers: 4), layers, classPairs, Probe(), Accuracy(), Loss());
        var html = DatasetReport.render(Spec, inputs);

        Assert.StartsWith("<!DOCTYPE html>", html);
        foreach (var heading in new[] { "<h2>Summary</h2>", "<h2>A typical pair: digit ", "<h2>Fit quality per layer</h2>",
                     "<h2>Class pairs at layer 2</h2>", "<h2>Decodability and accuracy</h2>", "<h2>Training loss</h2>" })
            Assert.Contains(heading, html);
        Assert.Equal(["class-pairs-r2", "class-pairs-rate-ratio"], Heatmaps(inputs)); // R² of h and log10 η_h/η_y
        Assert.Contains("typical-pair-layer-3-w", HtmlPage.figures(DatasetReport.sections(inputs)).Select(f => f.Name));
        Assert.Contains("linear probe, layer 3", html);
        Assert.Contains("network (held out)", html);
        Assert.Contains("held-out accuracy at epoch 4", html);
        Assert.Contains("R² of h and of y both ≥ 0.9", System.Net.WebUtility.HtmlDecode(html));
        Assert.Contains("Plotly.newPlot", html);
    }

    [Fact]
    public void WithoutOptionalInputsTheirSectionsAreLeftOut()
    {
        var (fits, layers, classPairs) = Inputs();
        var inputs = With(fits, [], layers, classPairs, [], [], []);
        var html = DatasetReport.render(Spec, inputs);

        Assert.Contains("<h2>Summary</h2>", html);
        Assert.Contains("<h2>Fit quality per layer</h2>", html);
        Assert.Equal(2, Heatmaps(inputs).Length);
        Assert.DoesNotContain("A typical pair", html);
        Assert.DoesNotContain("Decodability", html);
        Assert.DoesNotContain("Training loss", html);
        Assert.DoesNotContain("held-out accuracy at epoch", html);

        var probeOnly = DatasetReport.render(Spec, With(fits, [], layers, classPairs, Probe(), [], []));
        Assert.Contains("<h2>Decodability and accuracy</h2>", probeOnly);
        Assert.DoesNotContain("network (held out)", probeOnly);

        var none = With([], [], [], [], [], [], []);
        Assert.Contains("<h2>Summary</h2>", DatasetReport.render(Spec, none));
        Assert.Empty(HtmlPage.figures(DatasetReport.sections(none)));
    }

    [Fact]
    public void TheTypicalPairIsTheOneClosestToTheMedianR2AmongPairsWithCurves()
    {
        FitRow[] fits =
        [
            Fit(0, 1, r2H: 0.99), Fit(1, 1, r2H: 0.90), Fit(2, 1, r2H: 0.50), Fit(3, 1, r2H: 0.89), Fit(4, 1, r2H: double.NaN),
            Fit(3, 0, r2H: 0.90),
        ];
        // median at layer 1 of 0.5, 0.89, 0.90, 0.99 is 0.895; pairs 1 and 3 tie in distance, the lower index wins
        var all = Microsoft.FSharp.Collections.SetModule.OfSeq([0, 1, 2, 3, 4]);
        var picked = DatasetReport.typicalPair(1, all, fits).Value;
        Assert.Equal(1, picked.Item1);
        Assert.Equal(0.895, picked.Item2, 1e-12);
        var withoutOne = Microsoft.FSharp.Collections.SetModule.OfSeq([0, 2, 3]);
        Assert.Equal(3, DatasetReport.typicalPair(1, withoutOne, fits).Value.Item1);
        Assert.Null(DatasetReport.typicalPair(7, all, fits));
    }

    [Fact]
    public void ReportStageWritesTheDataSetReportFromWhateverFilesExist()
    {
        using var scratch = new ScratchFolder();
        var layout = new RunLayout(scratch.Path);
        var context = new StageContext { Spec = Spec, Layout = layout, Observer = SilentObserver.Instance };
        var (fits, _, _) = Inputs();
        TableFile.Write(fits, layout.Fits, csv: false);
        ((IStage)new AnalyzeStage()).Run(context);
        TableFile.Write(Accuracy(), layout.Accuracy, csv: false);

        IStage report = new DatasetReportStage();
        Assert.Equal("report", report.Name);
        Assert.Equal(["fit", "analyze"], report.DependsOn);
        Assert.Equal([layout.Loss, layout.Probe, layout.Accuracy, layout.Curves], report.Inputs(Spec, layout));
        var outcome = report.Run(context);

        Assert.Equal(layout.Report, outcome.Outputs[0]);
        var figures = outcome.Outputs.Skip(1).ToArray();
        Assert.NotEmpty(figures); // every report figure also as PNG and SVG
        Assert.All(figures, f => Assert.True(File.Exists(f) && (f.EndsWith(".png") || f.EndsWith(".svg")), f));
        Assert.Equal(figures.Count(f => f.EndsWith(".png")), figures.Count(f => f.EndsWith(".svg")));
        var html = File.ReadAllText(layout.Report);
        Assert.Contains("<h2>Class pairs at layer 2</h2>", html);
        Assert.Contains("<h2>Decodability and accuracy</h2>", html);
        Assert.DoesNotContain("A typical pair", html); // no curves file
        Assert.DoesNotContain("Training loss", html); // no loss file
    }
}

using RepAlign.Analysis;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Runner;
using static RepAlign.Tests.Analysis.AnalysisFixtures;

namespace RepAlign.Tests.Analysis;

/// <summary>The point-set report from synthetic tables: what each figure holds is what the tables say.</summary>
public class PointSetReportTests
{
    private static readonly ExperimentSpec XorSpec = new() { Name = "xor-test", Data = new DataSpec { Kind = DataKind.Xor } };

    /// <summary>Metrics whose h2 differs from the curves' measured h2 (so the test sees which table a figure reads).</summary>
    private static MetricRow[] Metrics(int pairs, int layer, int epochs) =>
        [.. from p in Enumerable.Range(0, pairs) from e in Enumerable.Range(0, epochs + 1)
            select new MetricRow { Epoch = e, Layer = layer, Pair = p, H2 = 100 + 10 * p + e, Y2 = 1, W = 0.5, Loss = 1.0 / (1 + e) }];

    private static PointSetReport.Inputs Xor(int layer = 1)
    {
        var set = PointSet.Xor();
        return new PointSetReport.Inputs(set, [.. set.Pairs.Select((p, i) => Rename(Fit(i, layer), p.A, p.B))],
            Curves(Enumerable.Range(0, 6), layers: layer + 1).Where(c => c.Layer == layer).ToArray(), Metrics(6, layer, 20), null);
    }

    private static FitRow Rename(FitRow f, int a, int b)
    {
        f.A = a;
        f.B = b;
        f.HInfPred = 1 + 0.1 * f.Pair;
        f.HInfObs = 1 + 0.12 * f.Pair;
        return f;
    }

    private static Figure.Heatmap HeatmapOf(Figure.Figure f) => ((Figure.Series.Heatmap)f.Series.Single()).Item;

    [Fact]
    public void XorDistanceMatricesHoldTheMeasuredMetricsAndTheFittedCurvesOfEachPair()
    {
        var inputs = Xor();
        var figures = HtmlPage.figures(PointSetReport.sections(XorSpec, inputs)).ToDictionary(f => f.Name);
        // first, middle and last epoch of the curves (0, 10, 20): a measured and a theory matrix each
        foreach (var epoch in new[] { 0, 10, 20 })
        {
            var measured = HeatmapOf(figures[$"distances-layer-1-epoch-{epoch}-measured"]);
            var theory = HeatmapOf(figures[$"distances-layer-1-epoch-{epoch}-predicted"]);
            Assert.Equal(["(0,0)", "(0,1)", "(1,0)", "(1,1)"], measured.Labels);
            var compared = 0;
            foreach (var (pair, (a, b)) in inputs.Points.Pairs.Select((p, i) => (i, p)))
            {
                Assert.Equal(100 + 10 * pair + epoch, measured.Matrix[a, b]);
                Assert.Equal(measured.Matrix[a, b], measured.Matrix[b, a]);
                var curve = inputs.Curves.Single(c => c.Pair == pair && c.Epoch == epoch);
                Assert.Equal(curve.H2Fit, theory.Matrix[b, a]);
                compared++;
            }
            Assert.Equal(6, compared);
            Assert.Equal(measured.Range, theory.Range); // one colour scale for the two
        }
        var final = figures["final-distances"];
        var points = final.Series.OfType<Figure.Series.Points>().Single().Item;
        Assert.Equal(inputs.Fits.Select(f => f.HInfObs), points.X);
        Assert.Equal(inputs.Fits.Select(f => f.HInfPred), points.Y);
        Assert.Contains(final.Series, s => s is Figure.Series.Line { Item.Role.IsReference: true });
        Assert.Equal(["layer-1-h", "layer-1-y", "layer-1-w", "loss"], figures.Keys.Where(k => k.StartsWith("layer-") || k == "loss"));
        Assert.DoesNotContain(figures.Keys, k => k.StartsWith("mds-"));
    }

    [Fact]
    public void TwoPointReportsShowHYWAndTheLossAgainstTheTheoryAndNoMatrices()
    {
        var spec = new ExperimentSpec { Name = "two", Data = new DataSpec { Kind = DataKind.TwoPoint, Dx2 = 1, Dy2 = 0.5 } };
        var curves = Curves([0], layers: 1).Select(c => { c.Loss = 0.5 - 0.01 * c.Epoch; c.LossFit = 0.5 - 0.011 * c.Epoch; return c; }).ToArray();
        var inputs = new PointSetReport.Inputs(PointSet.Of(spec.Data), [Fit(0, 0)], curves, Metrics(1, 0, 20), null);
        var sections = PointSetReport.sections(spec, inputs);
        var figures = HtmlPage.figures(sections).ToDictionary(f => f.Name);
        Assert.Equal(["layer-0-h", "layer-0-y", "layer-0-w", "loss"], figures.Keys);
        var h = figures["layer-0-h"].Series.Select(s => ((Figure.Series.Line)s).Item).ToArray();
        Assert.Equal(["measured", "theory (fitted rates)"], h.Select(l => l.Name));
        Assert.Equal(curves.Select(c => c.H2Fit), h[1].Y);
        var loss = figures["loss"].Series.Select(s => ((Figure.Series.Line)s).Item).ToArray();
        Assert.Equal(Enumerable.Range(0, 21).Select(e => 1.0 / (1 + e)), loss[0].Y); // train/metrics, every epoch
        Assert.True(loss[1].Role.IsTheory);
        Assert.Equal(curves.Select(c => c.LossFit), loss[1].Y);
        var (_, subtitle) = PointSetReport.titles(spec, inputs.Points);
        Assert.Contains("dx² = 1, dy² = 0.5", subtitle);
        Assert.DoesNotContain(sections, s => s.Heading.StartsWith("Distances"));
    }

    [Fact]
    public void ContextBlobPairsAreNotAMatrixSoTheirDistancesAreComparedPairByPair()
    {
        var set = PointSet.ContextBlobs();
        Assert.Null(PointSetFigures.matrixPoints(set)); // 25 disjoint pairs
        Assert.NotNull(PointSetFigures.matrixPoints(PointSet.Xor()));
        var inputs = new PointSetReport.Inputs(set, [.. Enumerable.Range(0, 25).Select(p => Fit(p, 2))],
            Curves(Enumerable.Range(0, 25), layers: 3).Where(c => c.Layer == 2).ToArray(), Metrics(25, 2, 20), null);
        var figure = HtmlPage.figures(PointSetReport.sections(new ExperimentSpec { Data = new DataSpec { Kind = DataKind.ContextBlobs } }, inputs))
            .Single(f => f.Name == "distances-layer-2");
        var epochs = figure.Series.OfType<Figure.Series.Points>().Select(p => p.Item).ToArray();
        Assert.Equal(["epoch 0", "epoch 10", "epoch 20"], epochs.Select(p => p.Name));
        Assert.All(epochs, p => Assert.Equal(25, p.X.Length));
        Assert.Equal(100 + 10 * 7 + 20, epochs[2].X[7]);
        // at most six pairs drawn per trajectory figure, evenly spread, first and last included
        Assert.Equal([0, 5, 10, 14, 19, 24], PointSetFigures.drawnPairs([.. Enumerable.Range(0, 25)]));
    }

    [Fact]
    public void PointSetReportStageReadsFitsAndMetricsAndDeclaresTheCheckpointOnlyForTheMdsView()
    {
        using var scratch = new ScratchFolder();
        var layout = new RunLayout(scratch.Path);
        IStage stage = new PointSetReportStage();
        Assert.Equal("report", stage.Name);
        Assert.Equal(["fit"], stage.DependsOn);
        Assert.Equal([layout.Metrics], stage.Inputs(XorSpec, layout));
        var blobs = new ExperimentSpec { Data = new DataSpec { Kind = DataKind.ContextBlobs } };
        Assert.Equal([layout.Metrics, layout.CheckpointIndex], stage.Inputs(blobs, layout)); // no index yet: no checkpoint to name
    }
}

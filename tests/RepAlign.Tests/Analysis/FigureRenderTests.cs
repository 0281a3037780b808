using System.Text.RegularExpressions;
using System.Xml.Linq;
using Microsoft.FSharp.Collections;
using Microsoft.FSharp.Core;
using RepAlign.Analysis;
using Xunit.Abstractions;
using static RepAlign.Analysis.Figure;
using FigureModel = RepAlign.Analysis.Figure.Figure;

namespace RepAlign.Tests.Analysis;

/// <summary>One figure model, two backends: what a figure describes reaches both Plotly's JSON and ScottPlot's SVG.</summary>
public class FigureRenderTests(ITestOutputHelper output)
{
    private static FSharpList<T> List<T>(params T[] items) => ListModule.OfArray(items);

    private static FigureModel Lines(string name) =>
        figure(name, "h against the theory", linear("epoch (gradient steps over the data)"), log10Axis("h = ‖Δh‖² (squared activation units)"), 400, 300,
            List(measured("measured", [0, 1, 2, 3], [1, 2, 4, 8]), theory("theory (fitted rates)", [0, 1, 2, 3], [1, 2.1, 4.2, 7.9]),
                 theory("", [0, 3], [2, 2])));

    private static FigureModel Heat(string name) =>
        figure(name, "a matrix", linear("point (input)"), linear("point (input)"), 420, 380,
            List(Series.NewHeatmap(new Heatmap(new double[,] { { 0, 1 }, { 1, double.NaN } }, ["(0,0)", ""], "‖Δh‖² (squared activation units)",
                ColourScale.Viridis, FSharpOption<Tuple<double, double>>.Some(new(0, 2))))));

    private static FigureModel Scatter3D(string name)
    {
        var f = figure(name, "MDS", linear("MDS dimension 1 (activation units)"), linear("MDS dimension 2 (activation units)"), 400, 400,
            List(Series.NewPoints3D(new Points3D("context 0", [0, 1], [1, 0], [0.5, 0.2], colour(0)))));
        return new FigureModel(f.Name, f.Title, f.X, f.Y, FSharpOption<Axis>.Some(linear("MDS dimension 3 (activation units)")), f.Series, f.Size, f.Legend);
    }

    private static FigureModel Errors(string name) =>
        figure(name, "R² per layer", linear("hidden layer (0-based)"), linear("R² (dimensionless)"), 400, 300,
            List(Series.NewErrorPoints(new ErrorPoints("R² of h", [0, 1], [0.9, 0.8], [0.1, 0.2], [0.05, 0.1], colour(0))),
                 Series.NewPoints(new Points("runs", [1, 2], [1, 2], colour(1), ["a", "b"]))));

    private static string[] SvgText(string svg) =>
        [.. XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim())];

    [Fact]
    public void TitlesAxesAndLegendsReachBothBackends()
    {
        using var scratch = new ScratchFolder();
        foreach (var f in new[] { Lines("lines"), Heat("heat"), Errors("errors"), Scatter3D("mds") })
        {
            var paths = FigureFiles.save(scratch.Path, f).ToArray();
            Assert.Equal([Path.Combine(scratch.Path, f.Name + ".png"), Path.Combine(scratch.Path, f.Name + ".svg")], paths);
            var text = SvgText(File.ReadAllText(paths[1]));
            var json = PlotlyRender.html(f);
            foreach (var label in new[] { f.Title, f.X.Label, f.Y.Label })
            {
                Assert.Contains(label, text);
                Assert.Contains(label, Regex.Unescape(json));
            }
        }
        // Named series are legend entries in both; an unnamed one in neither.
        var lines = PlotlyRender.html(Lines("lines"));
        Assert.Contains("\"name\":\"theory (fitted rates)\"", lines);
        Assert.Single(Regex.Matches(lines, "\"showlegend\":false"));
        Assert.Contains("\"dash\":\"dash\"", lines); // the theory is dashed in the browser
        Assert.Contains("\"type\":\"log\"", lines);
        Assert.Contains("theory (fitted rates)", SvgText(File.ReadAllText(Path.Combine(scratch.Path, "lines.svg"))));
        // the heat map: fixed colour range, row 0 on top, ticks only where a label is given, colour bar named
        var heat = Regex.Unescape(PlotlyRender.html(Heat("heat")));
        Assert.Contains("\"zmin\":0.0", heat);
        Assert.Contains("\"zmax\":2.0", heat);
        Assert.Contains("\"tickvals\":[0]", heat);
        Assert.Contains("‖Δh‖² (squared activation units)", SvgText(File.ReadAllText(Path.Combine(scratch.Path, "heat.svg"))));
        // the 3-D figure is a 3-D scene in the browser, its first two dimensions in SVG
        Assert.Contains("\"type\":\"scatter3d\"", PlotlyRender.html(Scatter3D("mds")));
        Assert.Contains("MDS dimension 3 (activation units)", Regex.Unescape(PlotlyRender.html(Scatter3D("mds"))));
        var errors = PlotlyRender.html(Errors("errors"));
        Assert.Contains("\"array\":[0.05,0.1]", errors);
        Assert.Contains("\"arrayminus\":[0.1,0.2]", errors);
    }

    [Fact]
    public void ThePageEmbedsPlotlyJsOnceAndLoadsNothing()
    {
        var sections = List(new HtmlPage.Section("figures", "text", List(HtmlPage.Block.NewFigures(List(Lines("a"), Heat("b"), Errors("c"))))));
        var html = HtmlPage.render("t", "s", sections);
        Assert.Single(Regex.Matches(html, "plotly\\.js v[0-9]"));
        Assert.Empty(Regex.Matches(html, "<script[^>]*\\bsrc\\s*=", RegexOptions.IgnoreCase));
        Assert.Empty(Regex.Matches(html, "<(link|img|iframe)\\b", RegexOptions.IgnoreCase));
        Assert.Equal(4, Regex.Matches(html, "<script\\b").Count); // the library and one per figure
        foreach (var id in new[] { "figure-a", "figure-b", "figure-c" })
            Assert.Single(Regex.Matches(html, $"id=\"{id}\""));
        // The same figure twice in a page would give two divs one id.
        var twice = List(new HtmlPage.Section("x", "y", List(HtmlPage.Block.NewFigures(List(Lines("a"), Heat("a"))))));
        Assert.Throws<ArgumentException>(() => HtmlPage.render("t", "s", twice));
    }

    [Fact]
    public void FiguresDrawnInParallelAreTheBytesOfFiguresDrawnOneAfterAnother()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : Random.Shared.Next();
        output.WriteLine($"seed {seed} (replay with REPALIGN_TEST_SEED={seed})");
        var random = new Random(seed);
        double[] Values(int n) => [.. Enumerable.Range(0, n).Select(_ => random.NextDouble() * 10)];
        var figures = Enumerable.Range(0, 12).Select(i => (i % 4) switch
        {
            0 => figure($"f{i}", $"lines {i}", linear("x (units)"), linear("y (units)"), 480, 360,
                List(measured("measured", Values(50).Order().ToArray(), Values(50)), theory("theory", Values(50).Order().ToArray(), Values(50)))),
            1 => Heat($"f{i}"),
            2 => Errors($"f{i}"),
            _ => Lines($"f{i}"),
        }).ToArray();
        using var scratch = new ScratchFolder();
        var serial = FigureFiles.saveAll(1, scratch.File("serial"), ListModule.OfArray(figures)).ToArray();
        var parallel = FigureFiles.saveAll(4, scratch.File("parallel"), ListModule.OfArray(figures)).ToArray();
        Assert.Equal(24, serial.Length);
        Assert.Equal(serial.Select(Path.GetFileName), parallel.Select(Path.GetFileName));
        foreach (var (a, b) in serial.Zip(parallel))
            Assert.True(File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b)), $"{Path.GetFileName(a)} differs when drawn in parallel");
    }
}

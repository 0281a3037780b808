using System.Text.RegularExpressions;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;
using RepAlign.Tests.Browser;

namespace RepAlign.Tests.Analysis;

/// <summary>What a report's own text is: the HTML without the plotly.js library embedded in its head.</summary>
internal static class ReportText
{
    /// <summary>The page's HTML without its first script element (plotly.js, whose source speaks of digits of numbers).</summary>
    public static string WithoutLibrary(string html)
    {
        var start = html.IndexOf("<script", StringComparison.Ordinal);
        var end = html.IndexOf("</script>", start, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start && html.IndexOf("</head>", StringComparison.Ordinal) > end, "plotly.js is not the head's script");
        return html[..start] + html[(end + "</script>".Length)..];
    }

    /// <summary>The report's figure names (the stems of report/figures/*.svg).</summary>
    public static string[] Figures(RunLayout layout) =>
        [.. Directory.GetFiles(Path.Combine(layout.ReportDir, "figures"), "*.svg").Select(f => Path.GetFileNameWithoutExtension(f)!).Order()];
}

/// <summary>Point-set reports of real tiny runs (XOR, context blobs): they speak of points, show what they declare, and render in a browser.</summary>
public class PointSetReportRunTests(PointSetRunsFixture runs) : IClassFixture<PointSetRunsFixture>
{
    private static readonly string[] Forbidden = ["digit", "class pair", "held-out accuracy", "(data/mnist-10k)", "mnist"];

    [Fact]
    public void XorAndContextBlobReportsSpeakOfPointsNeverOfDigits()
    {
        foreach (var run in new[] { runs.Xor, runs.ContextBlobs })
        {
            Assert.True(run.Succeeded, run.Message);
            var own = ReportText.WithoutLibrary(File.ReadAllText(run.Layout.Report));
            var svgs = Directory.GetFiles(Path.Combine(run.Layout.ReportDir, "figures"), "*.svg").Select(File.ReadAllText).ToArray();
            Assert.NotEmpty(svgs);
            foreach (var word in Forbidden)
            {
                Assert.DoesNotContain(word, own, StringComparison.OrdinalIgnoreCase);
                Assert.All(svgs, svg => Assert.DoesNotContain(word, svg, StringComparison.OrdinalIgnoreCase));
            }
            foreach (var heading in new[] { "Fitted effective learning rates", "Distances between the points over time", "Final distances: theory against network",
                         "Pairs: h, y and w against the theory", "Training loss" })
                Assert.Contains($"<h2>{heading}</h2>", own);
        }
    }

    [Fact]
    public void EachReportHoldsItsFiguresAndDeclaresWhatItReads()
    {
        var xor = runs.Xor.Layout;
        Assert.Equal(
            ["distances-layer-1-epoch-0-measured", "distances-layer-1-epoch-0-predicted", "distances-layer-1-epoch-150-measured", "distances-layer-1-epoch-150-predicted",
             "distances-layer-1-epoch-300-measured", "distances-layer-1-epoch-300-predicted", "final-distances", "layer-1-h", "layer-1-w", "layer-1-y", "loss"],
            ReportText.Figures(xor));
        var blobs = runs.ContextBlobs.Layout;
        Assert.Equal(["distances-layer-1", "final-distances", "layer-1-h", "layer-1-w", "layer-1-y", "loss", "mds-by-context", "mds-by-mu_x", "mds-by-mu_y"],
            ReportText.Figures(blobs));
        Assert.Contains("<h2>The hidden layer at the last checkpoint (MDS, layer 1, epoch 8)</h2>", File.ReadAllText(blobs.Report));

        // run.json: what the report stage read, each with its content hash
        var xorInputs = RunManifest.Read(xor.Manifest).Stages["report"].Inputs.Keys.ToArray();
        Assert.Contains("train/metrics.parquet", xorInputs);
        Assert.DoesNotContain(xorInputs, k => k.StartsWith("checkpoints/", StringComparison.Ordinal));
        var blobInputs = RunManifest.Read(blobs.Manifest).Stages["report"].Inputs;
        var last = RepAlign.Pipelines.Stages.CheckpointIndex.Read(blobs.CheckpointIndex).MaxBy(e => e.Epoch)!;
        Assert.Equal(8, last.Epoch);
        Assert.Equal(Hashing.File(blobs.CheckpointIndex), blobInputs["checkpoints/index.json"]);
        Assert.Equal(last.Sha256, blobInputs["checkpoints/" + last.File]);
    }

    [BrowserFact]
    public async Task XorAndContextBlobReportsRenderEveryFigureWithoutErrorsOrRequests()
    {
        await using var browser = await HeadlessChromium.StartAsync(BrowserFactAttribute.Executable(), runs.Scratch("chromium-point-sets"), PageCheck.Timeout);
        foreach (var run in new[] { runs.Xor, runs.ContextBlobs })
        {
            var page = await PageCheck.OpenAsync(browser, run.Layout.Report);
            Assert.Equal(ReportText.Figures(run.Layout).Select(f => "figure-" + f).Order(), page.Figures.Order());
            Assert.True(page.Problems.Count == 0, $"{run.Layout.Report}:\n" + string.Join("\n", page.Problems));
        }
    }
}

/// <summary>The data-set report of a real tiny MNIST run renders in a browser.</summary>
public class DatasetReportRunTests(DatasetRunFixture run) : IClassFixture<DatasetRunFixture>
{
    [BrowserFact]
    public async Task TheMnistReportRendersEveryFigureWithoutErrorsOrRequests()
    {
        Assert.True(run.Run.Succeeded, run.Run.Message);
        var html = File.ReadAllText(run.Run.Layout.Report);
        Assert.Contains("<h2>Class pairs at layer 1</h2>", html);
        Assert.Single(Regex.Matches(html, "plotly\\.js v[0-9]"));
        var page = await PageCheck.OpenAsync(run.Run.Layout.Report, run.Scratch("chromium"));
        Assert.Equal(ReportText.Figures(run.Run.Layout).Select(f => "figure-" + f).Order(), page.Figures.Order());
        Assert.True(page.Problems.Count == 0, string.Join("\n", page.Problems));
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RepAlign.Core.Tables;

namespace RepAlign.Tests.FSharp;

/// <summary>
/// The notebooks in notebooks/ run headless against freshly packed packages, and their printed frames equal the tables
/// `repalign run` writes for the same settings. dotnet-repl (the headless notebook runner) cannot run them: its F#
/// kernel carries FSharp.Core 10.0.0.0 while Plotly.NET 6.0.0 (and RepAlign, built against it) need FSharp.Core
/// 10.1.0.0, so every cell using them fails to load FSharp.Core. The test therefore runs the notebook's code cells,
/// in order and unchanged, as one script with `dotnet fsi` (the same F# and the same `#r "nuget: …"` resolution).
/// </summary>
[Collection("console")]
public class NotebookTests
{
    /// <summary>The code cells of a notebook, in order, as one F# script.</summary>
    public static string CodeCells(string notebook)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(notebook));
        var cells = doc.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "code")
            .Select(c => string.Concat(c.GetProperty("source").EnumerateArray().Select(l => l.GetString())));
        return string.Join("\n\n", cells) + "\n";
    }

    /// <summary>Runs a notebook's code cells with dotnet fsi in the working folder; returns what they printed.</summary>
    private static async Task<string> RunNotebookAsync(PackagedSession session, string notebook, string workingDirectory, IDictionary<string, string> environment)
    {
        var script = Path.Combine(workingDirectory, Path.ChangeExtension(notebook, ".fsx"));
        File.WriteAllText(script, CodeCells(TestPaths.Repo("notebooks", notebook)));
        var (code, output) = await session.RunAsync("dotnet", ["fsi", script], workingDirectory, TimeSpan.FromMinutes(10),
            isolated: false, environment: environment);
        Assert.True(code == 0, output);
        return output;
    }

    /// <summary>The CSV block a notebook printed under a header line: (header, rows of numbers).</summary>
    private static (string[] Header, double[][] Rows) PrintedTable(string text, string headerStart)
    {
        var lines = text.Split('\n');
        var at = Array.FindIndex(lines, l => l.StartsWith(headerStart, StringComparison.Ordinal));
        Assert.True(at >= 0, $"no printed table starting '{headerStart}' in:\n{text}");
        var header = lines[at].Split(',');
        var rows = lines.Skip(at + 1).TakeWhile(l => Regex.IsMatch(l, @"^[-0-9.eE+NaInfity,]+$") && l.Split(',').Length == header.Length)
            .Select(l => l.Split(',').Select(c => double.Parse(c, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        return (header, rows);
    }

    private static double Column(FitRow f, string name) => name switch
    {
        "layer" => f.Layer, "pair" => f.Pair, "eta_h" => f.EtaH, "eta_y" => f.EtaY, "eta_ybar" => f.EtaYbar, "fit_loss" => f.FitLoss,
        "r2_h" => f.R2H, "r2_y" => f.R2Y, "r2_w" => f.R2W, "h_inf_pred" => f.HInfPred, "h_inf_obs" => f.HInfObs,
        _ => throw new ArgumentException(name),
    };

    [Fact]
    public async Task TwoPointNotebookTrainsFitsPlotsAndItsFrameEqualsTheCommandLinesTable()
    {
        using var session = await PackagedSession.PackAsync("/tmp/repalign-packages");
        using var scratch = new ScratchFolder();
        Directory.CreateDirectory(Path.Combine(scratch.Path, "pipelines"));
        File.Copy(TestPaths.Repo("pipelines", "two-points.toml"), Path.Combine(scratch.Path, "pipelines", "two-points.toml"));
        try
        {
            var text = await RunNotebookAsync(session, "two-points.ipynb", scratch.Path,
                new Dictionary<string, string> { ["REPALIGN_NOTEBOOK_OUT"] = scratch.File("notebook-run") });
            // The same settings through the command line, into a folder of its own.
            var cli = scratch.File("cli-run");
            var code = RepAlign.Cli.Program.main(["run", TestPaths.Repo("pipelines", "two-points.toml"), "--out", cli,
                "--set", "model.depth=3", "--set", "model.width=16", "--set", "train.epochs=120", "--set", "train.lr=0.05",
                "--set", "track.layers=all", "--set", "fit.grid_points=30", "--set", "checkpoints.count=3"]);
            Assert.Equal(0, code);
            var expected = TableFile.Read<FitRow>(Path.Combine(cli, "fit", "fits.parquet")).OrderBy(f => f.Layer).ToArray();
            var (header, rows) = PrintedTable(text, "layer,pair,eta_h");
            Assert.Equal(expected.Length, rows.Length);
            Assert.Equal(3, rows.Length); // every hidden layer of the depth-3 network
            for (var i = 0; i < rows.Length; i++)
                for (var c = 0; c < header.Length; c++)
                    Assert.True(Column(expected[i], header[c]).Equals(rows[i][c]), $"row {i} column {header[c]}: notebook {rows[i][c]:R}, repalign run {Column(expected[i], header[c]):R}");
            // The two-point figure was drawn (h, y and w of 3 layers against the theory) and saved as a page.
            Assert.Contains("two-point figure: 3 layers", text);
            Assert.Contains("Plotly.newPlot", File.ReadAllText(scratch.File("two-point-figure.html")));
            Assert.Equal(3, Regex.Matches(text, @"h\(∞\) predicted").Count);
        }
        finally
        {
            DeleteCachedPackages(session.Version);
        }
    }

    [Fact]
    public async Task MnistExplorationNotebookReadsAFinishedRunsTablesAndAnswersItsQuestion()
    {
        using var session = await PackagedSession.PackAsync("/tmp/repalign-packages");
        using var scratch = new ScratchFolder();
        var run = scratch.File("mnist-run");
        var code = RepAlign.Cli.Program.main(["run", TestPaths.Repo("pipelines", "mnist-pairs.toml"), "--out", run,
            "--set", "train.epochs=2", "--set", "extract.pairs=per-class-pair:1", "--set", "model.width=32",
            "--set", "fit.grid_points=30", "--set", $"data.path={TestPaths.Repo("data", "mnist-10k")}", "--csv"]);
        Assert.Equal(0, code);
        try
        {
            var text = await RunNotebookAsync(session, "mnist-pairs-exploration.ipynb", scratch.Path,
                new Dictionary<string, string> { ["REPALIGN_RUN"] = run });
            var layers = TableFile.Read<RepAlign.Analysis.FitFrames.LayerSummary>(Path.Combine(run, "analyze", "layers.parquet")).ToArray();
            var (header, rows) = PrintedTable(text, "layer,pairs,converged");
            Assert.Equal(layers.Length, rows.Length);
            for (var i = 0; i < rows.Length; i++)
            {
                var s = layers[i];
                double[] want = [s.Layer, s.Pairs, s.Converged, s.DescribedWell, s.EtaHMedian, s.EtaYMedian, s.R2HMedian, s.R2YMedian];
                Assert.Equal(want.Length, header.Length);
                for (var c = 0; c < want.Length; c++) Assert.True(want[c].Equals(rows[i][c]), $"layer row {i} column {header[c]}: notebook {rows[i][c]:R}, run {want[c]:R}");
            }
            var fits = TableFile.Read<FitRow>(Path.Combine(run, "fit", "fits.parquet"));
            Assert.Contains($"fits: {fits.Count} rows", text);
            Assert.Contains("Plotly.newPlot", File.ReadAllText(scratch.File("class-pairs-heatmap.html"))); // the class-pair heat map
            Assert.Equal(layers.Length, Regex.Matches(text, @"Spearman\(dx2, R² of h\) = ").Count);
        }
        finally
        {
            DeleteCachedPackages(session.Version);
        }
    }

    /// <summary>The notebook restores into the machine's package cache: remove this session's unique RepAlign versions.</summary>
    private static void DeleteCachedPackages(string version)
    {
        var cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                    ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        foreach (var package in new[] { "core", "theory", "training", "inference", "pipelines", "analysis", "fsharp" })
        {
            var dir = Path.Combine(cache, $"repalign.{package}", version);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}

using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using RepAlign.Core.Tables;

namespace RepAlign.Tests.FSharp;

/// <summary>
/// The notebooks in notebooks/ run headless with dotnet-repl (a local dotnet tool, .config/dotnet-tools.json) against
/// freshly packed packages, as CI runs them; the test reads the executed notebook dotnet-repl writes: no cell failed,
/// the figure cell displayed its Plotly.NET chart inline, and the printed frames equal the tables `repalign run` writes
/// for the same settings.
/// </summary>
public class NotebookTests
{
    /// <summary>What an executed notebook shows: every code cell's printed text, inline HTML and errors, in order.</summary>
    private sealed record Executed(string[] Printed, string[][] Html, string[] Errors)
    {
        /// <summary>All printed text, cell after cell.</summary>
        public string Text => string.Concat(Printed);
    }

    /// <summary>The outputs of an executed notebook (.ipynb) dotnet-repl wrote.</summary>
    private static Executed ReadOutputs(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        static string Joined(JsonElement e) => e.ValueKind == JsonValueKind.Array ? string.Concat(e.EnumerateArray().Select(l => l.GetString())) : e.GetString() ?? "";
        var cells = doc.RootElement.GetProperty("cells").EnumerateArray().Where(c => c.GetProperty("cell_type").GetString() == "code").ToArray();
        var printed = new List<string>();
        var html = new List<string[]>();
        var errors = new List<string>();
        foreach (var cell in cells)
        {
            var outputs = cell.GetProperty("outputs").EnumerateArray().ToArray();
            printed.Add(string.Concat(outputs.Where(o => o.GetProperty("output_type").GetString() == "stream").Select(o => Joined(o.GetProperty("text")))));
            html.Add(outputs.Where(o => o.TryGetProperty("data", out var d) && d.TryGetProperty("text/html", out _))
                .Select(o => Joined(o.GetProperty("data").GetProperty("text/html"))).ToArray());
            errors.AddRange(outputs.Where(o => o.GetProperty("output_type").GetString() == "error")
                .Select(o => $"{o.GetProperty("ename").GetString()}: {o.GetProperty("evalue").GetString()}"));
        }
        return new Executed([.. printed], [.. html], [.. errors]);
    }

    /// <summary>
    /// Runs a notebook headless with dotnet-repl (restored from the tool manifest) in the working folder and returns
    /// the executed notebook's outputs; a failed cell fails the test with its error.
    /// </summary>
    private static async Task<Executed> RunNotebookAsync(PackagedSession session, string notebook, string workingDirectory, IDictionary<string, string> environment)
    {
        // The kernel resolves relative paths against the process's working folder: run the tool there, with the
        // repository's tool manifest copied beside it so `dotnet tool run` finds the pinned dotnet-repl.
        Directory.CreateDirectory(Path.Combine(workingDirectory, ".config"));
        File.Copy(TestPaths.Repo(".config", "dotnet-tools.json"), Path.Combine(workingDirectory, ".config", "dotnet-tools.json"), overwrite: true);
        var restore = await session.RunAsync("dotnet", ["tool", "restore"], workingDirectory, TimeSpan.FromMinutes(5), isolated: false);
        Assert.True(restore.Code == 0, restore.Output);
        var executed = Path.Combine(workingDirectory, Path.ChangeExtension(notebook, ".executed.ipynb"));
        var (code, output) = await session.RunAsync("dotnet",
            ["tool", "run", "dotnet-repl", "--", "--run", TestPaths.Repo("notebooks", notebook), "--exit-after-run",
             "--output-format", "ipynb", "--output-path", executed],
            workingDirectory, TimeSpan.FromMinutes(15), isolated: false, environment: environment);
        Assert.True(code == 0 && File.Exists(executed), $"dotnet-repl exited {code}:\n{output}");
        var outputs = ReadOutputs(executed);
        Assert.True(outputs.Errors.Length == 0, string.Join("\n", outputs.Errors) + "\n" + outputs.Text);
        return outputs;
    }

    /// <summary>The inline HTML of the cell that printed <paramref name="marker"/>: where its chart was displayed.</summary>
    private static string HtmlOfCellPrinting(Executed outputs, string marker)
    {
        var cell = Array.FindIndex(outputs.Printed, p => p.Contains(marker, StringComparison.Ordinal));
        Assert.True(cell >= 0, $"no cell printed '{marker}'");
        return string.Concat(outputs.Html[cell]);
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
            var outputs = await RunNotebookAsync(session, "two-points.ipynb", scratch.Path,
                new Dictionary<string, string> { ["REPALIGN_NOTEBOOK_OUT"] = scratch.File("notebook-run") });
            var text = outputs.Text;
            // The same settings through the command line, into a folder of its own.
            var cli = scratch.File("cli-run");
            var code = RepAlign.Tests.Cli.CliRunner.Run(["run", TestPaths.Repo("pipelines", "two-points.toml"), "--out", cli,
                "--set", "model.depth=3", "--set", "model.width=16", "--set", "train.epochs=120", "--set", "train.lr=0.05",
                "--set", "track.layers=all", "--set", "fit.grid_points=30", "--set", "checkpoints.count=3"]).Code;
            Assert.Equal(0, code);
            var expected = TableFile.Read<FitRow>(Path.Combine(cli, "fit", "fits.parquet")).OrderBy(f => f.Layer).ToArray();
            var (header, rows) = PrintedTable(text, "layer,pair,eta_h");
            Assert.Equal(expected.Length, rows.Length);
            Assert.Equal(3, rows.Length); // every hidden layer of the depth-3 network
            for (var i = 0; i < rows.Length; i++)
                for (var c = 0; c < header.Length; c++)
                    Assert.True(Column(expected[i], header[c]).Equals(rows[i][c]), $"row {i} column {header[c]}: notebook {rows[i][c]:R}, repalign run {Column(expected[i], header[c]):R}");
            // The two-point figure was drawn inline by Plotly.NET.Interactive (h, y and w of 3 layers against the theory,
            // one measured and one theory line each) and saved as a page.
            var figure = HtmlOfCellPrinting(outputs, "two-point figure: 3 layers");
            Assert.Contains("Plotly.newPlot", figure);
            Assert.Equal(9, Regex.Matches(figure, "measured, layer ").Count);
            Assert.Equal(9, Regex.Matches(figure, "theory, layer ").Count);
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
        var code = RepAlign.Tests.Cli.CliRunner.Run(["run", TestPaths.Repo("pipelines", "mnist-pairs.toml"), "--out", run,
            "--set", "train.epochs=2", "--set", "extract.pairs=per-class-pair:1", "--set", "model.width=32",
            "--set", "fit.grid_points=30", "--set", $"data.path={TestPaths.Repo("data", "mnist-10k")}", "--csv"]).Code;
        Assert.Equal(0, code);
        try
        {
            var outputs = await RunNotebookAsync(session, "mnist-pairs-exploration.ipynb", scratch.Path,
                new Dictionary<string, string> { ["REPALIGN_RUN"] = run });
            var text = outputs.Text;
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
            Assert.Contains("\"type\":\"heatmap\"", HtmlOfCellPrinting(outputs, "fits: ")); // and inline
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

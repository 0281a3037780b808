using System.Globalization;
using RepAlign.Core.Runs;
using RepAlign.Tests.Cli;
using Xunit;

namespace RepAlign.Tests.Reproduction;

/// <summary>The smoke profile of <c>repalign reproduce</c>: every experiment of the paper, shrunk, end to end.</summary>
public class ReproduceCommandTests
{
    private static readonly string[] Experiments =
        ["architectures", "init-scale", "mnist-pairs", "final-distance", "depth", "alternative-dynamics", "xor", "mnist-structure", "context-blobs"];

    private static readonly string[] Verdicts = ["agrees", "differs", "no reference", "not measured"];

    [Fact]
    public async Task Smoke_profile_runs_every_experiment_and_resumes()
    {
        using var dir = new ScratchFolder();
        var (code, err) = await RunProcess("--profile", "smoke", "--out", dir.Path);
        var csv = Path.Combine(dir.Path, "reproduction.csv");
        Assert.True(code == 0, err + (File.Exists(csv) ? File.ReadAllText(csv) : ""));

        var rows = ReadCsv(Path.Combine(dir.Path, "reproduction.csv"));
        Assert.Equal(Experiments, rows.Select(r => r["experiment"]).Distinct());
        Assert.All(rows, r => Assert.Contains(r["verdict"], Verdicts));
        // A verdict of agrees or differs always names what it was judged against.
        Assert.All(rows.Where(r => r["verdict"] is "agrees" or "differs"), r => Assert.NotEqual("", r["paper_value"]));
        Assert.All(rows.Where(r => r["verdict"] != "not measured"), r => Assert.True(double.IsFinite(double.Parse(r["value"], CultureInfo.InvariantCulture)), r["quantity"]));
        Assert.All(rows, r => Assert.Equal(("NaN", "1"), (r["sd"], r["seeds"]))); // one seed: no spread

        var html = File.ReadAllText(Path.Combine(dir.Path, "reproduction.html"));
        var sections = html.Split("<h2>")[1..];
        Assert.Equal(Experiments.Length, sections.Length);
        Assert.All(sections, s => Assert.Contains("Plotly.newPlot", s)); // every experiment draws its figure
        Assert.Contains("Profile smoke", html);
        AssertPaperFigures(dir.Path, rows);
        // The page opens in a browser where there is one: every panel drawn, no error, no request.
        if (Browser.HeadlessChromium.Find() is not null || Browser.BrowserFactAttribute.Required)
        {
            var page = await Browser.PageCheck.OpenAsync(Path.Combine(dir.Path, "reproduction.html"), dir.File("chromium"));
            Assert.NotEmpty(page.Figures);
            Assert.True(page.Problems.Count == 0, string.Join("\n", page.Problems));
        }

        // Running again resumes: every stage is up to date, so no run folder's stages start again.
        var manifest = Path.Combine(dir.Path, "xor", "rich_t0", "run.json");
        var started = RunManifest.Read(manifest).Stages["train"].StartedUtc;
        var again = await RunProcess("--profile", "smoke", "--only", "xor", "--out", dir.Path);
        Assert.True(again.Code == 0, again.Output);
        Assert.Equal(started, RunManifest.Read(manifest).Stages["train"].StartedUtc);
        var xorRows = ReadCsv(Path.Combine(dir.Path, "reproduction.csv"));
        Assert.Equal(rows.Where(r => r["experiment"] == "xor").Select(r => r["value"]), xorRows.Select(r => r["value"]));
    }

    /// <summary>
    /// --seeds 2 on the cheapest experiment: reproduction.csv gives each quantity's mean over 2 seeds, sd and seeds = 2;
    /// reproduction-seeds.csv keeps both seeds' values; seed 1 runs from other seeds in its own folder. --seeds 1 then
    /// resumes seed 0 alone: the same rows as seed 0's, with seeds = 1.
    /// </summary>
    [Fact]
    public async Task Seeds_2_measures_each_quantity_twice_and_seeds_1_is_seed_0()
    {
        using var dir = new ScratchFolder();
        var (code, err) = await RunProcess("--profile", "smoke", "--seeds", "2", "--only", "depth", "--out", dir.Path);
        Assert.True(code == 0, err);
        var rows = ReadCsv(Path.Combine(dir.Path, "reproduction.csv"));
        var perSeed = ReadCsv(Path.Combine(dir.Path, "reproduction-seeds.csv"), "experiment,quantity,seed,value,verdict");
        Assert.NotEmpty(rows);
        foreach (var row in rows)
        {
            Assert.Equal("2", row["seeds"]);
            var seeds = perSeed.Where(s => s["quantity"] == row["quantity"]).ToList();
            Assert.Equal(["0", "1"], seeds.Select(s => s["seed"]));
            Assert.Equal(seeds.Select(s => Number(s["value"])).Average(), Number(row["value"]), 12);
            var verdicts = seeds.Select(s => s["verdict"]).Distinct().ToList();
            Assert.Equal(verdicts.Count == 1 ? verdicts[0] : "seeds disagree", row["verdict"]);
        }
        var seed0 = RunManifest.Read(Path.Combine(dir.Path, "depth", "run.json")).Spec.Train.Seed;
        var seed1 = RunManifest.Read(Path.Combine(dir.Path, "seeds", "1", "depth", "run.json")).Spec.Train.Seed;
        Assert.Equal(seed0 + 100000, seed1);

        var one = await RunProcess("--profile", "smoke", "--seeds", "1", "--only", "depth", "--out", dir.Path);
        Assert.True(one.Code == 0, one.Output);
        var single = ReadCsv(Path.Combine(dir.Path, "reproduction.csv"));
        Assert.Equal(perSeed.Where(s => s["seed"] == "0").Select(s => (s["quantity"], s["value"], s["verdict"])),
            single.Select(r => (r["quantity"], r["value"], r["verdict"])));
        Assert.All(single, r => Assert.Equal(("NaN", "1"), (r["sd"], r["seeds"])));
    }

    private static double Number(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>Per experiment: the panels of its figure (null: one per setting) and text it must show (axis labels with units, legend).</summary>
    private static readonly Dictionary<string, (int? Panels, string[] Text)> PaperFigures = new()
    {
        ["architectures"] = (null, ["epoch (gradient steps over the data)", "÷ max |measured| (dimensionless)", "h theory", "w"]),
        ["init-scale"] = (2, ["epoch + 1 (log10)", "h(t)/h(0) (dimensionless)", "initial weight gain (xavier_normal gain)", "A_low/|A_high| (dimensionless, log10)", "fitted runs", "gain 0.9"]),
        ["mnist-pairs"] = (3, ["epoch (gradient steps over the data)", "h = ‖Δh‖² (squared activation units)", "y = ‖Δŷ‖² (squared output units)", "w (squared output units)", "theory (fitted rates)", "measured"]),
        ["final-distance"] = (3, ["measured h(∞) = ‖Δh‖² (squared activation units)", "predicted h(∞) (squared activation units)", "identity (predicted = measured)", "runs"]),
        ["depth"] = (2, ["hidden layer (0-based)", "fit error S (dimensionless, log10)", "rate η (per epoch, log10)", "η_h", "η_y"]),
        ["alternative-dynamics"] = (5, ["epoch (gradient steps over the data)", "h = ‖Δh‖² (squared activation units)", "theory (fitted rates)", "measured"]),
        ["xor"] = (8, ["XOR input", "‖Δh‖ (activation units)", "(0,1)"]),
        ["mnist-structure"] = (2, ["image (sorted by digit)", "‖Δh‖² (squared activation units)", "P (arbitrary units)"]),
        ["context-blobs"] = (9, ["MDS dimension 1 (activation units)", "MDS dimension 2 (activation units)", "context [1,0] (asks μ_x)", "context [0,1] (asks μ_y)"]),
    };

    /// <summary>
    /// figures/&lt;experiment&gt;.svg and .png exist for every experiment: the PNG has PNG's signature and the SVG's size,
    /// the SVG parses as XML with an svg root holding one nested svg per panel, and its text shows the axis labels
    /// (with units) and legend entries of that experiment.
    /// </summary>
    private static void AssertPaperFigures(string folder, List<Dictionary<string, string>> rows)
    {
        var settings = rows.Count(r => r["experiment"] == "architectures" && r["quantity"].StartsWith("R² of h, ", StringComparison.Ordinal));
        foreach (var experiment in Experiments)
        {
            var png = Path.Combine(folder, "figures", experiment + ".png");
            var svg = Path.Combine(folder, "figures", experiment + ".svg");
            Assert.True(File.Exists(png) && File.Exists(svg), $"no figure of {experiment}");
            var bytes = File.ReadAllBytes(png);
            Assert.True(bytes.AsSpan(0, 8).SequenceEqual(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{png} is not a PNG");
            int Big(int at) => (bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3];
            var (width, height) = (Big(16), Big(20)); // IHDR

            var doc = System.Xml.Linq.XDocument.Load(svg);
            var root = doc.Root!;
            Assert.Equal("svg", root.Name.LocalName);
            Assert.Equal(width.ToString(CultureInfo.InvariantCulture), root.Attribute("width")?.Value);
            Assert.Equal(height.ToString(CultureInfo.InvariantCulture), root.Attribute("height")?.Value);
            var (panels, text) = PaperFigures[experiment];
            Assert.Equal(panels ?? settings, root.Elements().Count(e => e.Name.LocalName == "svg"));
            var shown = doc.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToHashSet();
            foreach (var t in text) Assert.True(shown.Contains(t), $"{experiment}.svg does not show '{t}'; it shows: {string.Join(" | ", shown.Take(60))}");
        }
    }

    [Theory]
    [InlineData("--only", "xorr", "did you mean 'xor'")]
    [InlineData("--profile", "huge", "expected smoke or paper")]
    [InlineData("--seeds", "0", "an integer from 1 to 1000")]
    public void Bad_options_exit_2_and_write_nothing(string option, string value, string message)
    {
        using var dir = new ScratchFolder();
        var out_ = Path.Combine(dir.Path, "out");
        var (code, err) = Run(option, value, "--out", out_);
        Assert.Equal(2, code);
        Assert.Contains(message, err);
        Assert.False(Directory.Exists(out_));
    }

    /// <summary>
    /// The command line in a process of its own, as a user runs it: the reproduction trains networks on
    /// every core, which must not share libtorch's global state with the tests running beside it.
    /// </summary>
    [Fact]
    public void A_missing_data_folder_exits_2_before_any_work()
    {
        using var dir = new ScratchFolder();
        var out_ = Path.Combine(dir.Path, "out");
        var (code, err) = CliRunner.Run("reproduce", "--pipelines", TestPaths.Repo("pipelines"), "--data", Path.Combine(dir.Path, "nope"), "--out", out_);
        Assert.Equal(2, code);
        Assert.Contains("no such folder", err);
        Assert.False(Directory.Exists(out_));
    }

    private static Task<(int Code, string Output)> RunProcess(params string[] args) =>
        ChildProcess.RunAsync("dotnet",
            ["exec", Path.Combine(AppContext.BaseDirectory, "repalign.dll"), "reproduce", "--pipelines", TestPaths.Repo("pipelines"), "--data", TestPaths.Repo("data", "mnist-10k"), .. args],
            TimeSpan.FromMinutes(10));

    private static (int Code, string Err) Run(params string[] args) =>
        CliRunner.Run(["reproduce", "--pipelines", TestPaths.Repo("pipelines"), "--data", TestPaths.Repo("data", "mnist-10k"), .. args]);

    private const string CsvHeader = "experiment,quantity,value,paper_value,verdict,note,sd,seeds";

    private static List<Dictionary<string, string>> ReadCsv(string path, string header = CsvHeader)
    {
        var lines = File.ReadAllLines(path);
        Assert.Equal(header, lines[0]);
        return lines[1..].Select(line =>
        {
            var cells = SplitCsv(line);
            return lines[0].Split(',').Zip(cells).ToDictionary(p => p.First, p => p.Second);
        }).ToList();
    }

    private static List<string> SplitCsv(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted && c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
            else if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }
}

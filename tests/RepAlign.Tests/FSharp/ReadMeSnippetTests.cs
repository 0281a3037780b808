using System.Globalization;
using System.Text.RegularExpressions;
using RepAlign.Core.Tables;

namespace RepAlign.Tests.FSharp;

/// <summary>README's F# snippet, run unchanged by <c>dotnet fsi</c> against the libraries packed as README says.</summary>
public partial class ReadMeSnippetTests
{
    private static readonly string ReadMe = File.ReadAllText(TestPaths.Repo("README.md"));

    [GeneratedRegex(@"## From F# scripts and notebooks\n(.*?)\n## ", RegexOptions.Singleline)]
    private static partial Regex Section();

    [GeneratedRegex("```(bash|fsharp)\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Block();

    [GeneratedRegex(@"^eta_h = (\S+), R² of h = (\S+)$", RegexOptions.Multiline)]
    private static partial Regex Printed();

    [Fact]
    public async Task SnippetRunsInFsiAgainstThePackedLibraryAndPrintsTheRunsTable()
    {
        var section = Section().Match(ReadMe);
        Assert.True(section.Success, "README has a section '## From F# scripts and notebooks'");
        // The section's code blocks by language (the bash blocks joined: packing, then the notebook runner).
        var blocks = Block().Matches(section.Groups[1].Value).GroupBy(m => m.Groups[1].Value)
            .ToDictionary(g => g.Key, g => string.Join("\n", g.Select(m => m.Groups[2].Value)));
        Assert.Single(Block().Matches(section.Groups[1].Value), m => m.Groups[1].Value == "fsharp");
        var pack = Regex.Match(blocks["bash"], @"^dotnet pack RepAlign\.sln -c Release -o (\S+)$", RegexOptions.Multiline);
        Assert.True(pack.Success, "the bash block packs the solution into a folder");
        var snippet = blocks["fsharp"];
        Assert.Equal(pack.Groups[1].Value, PackagedSession.SourceOf(snippet));
        Assert.Contains("#r \"nuget: RepAlign.FSharp\"\n", snippet);

        using var session = await PackagedSession.PackAsync(pack.Groups[1].Value);
        Assert.Equal(7, session.Packages().Length); // Core, Theory, Training, Inference, Pipelines, Analysis, FSharp
        Directory.CreateDirectory(Path.Combine(session.Work, "pipelines"));
        File.Copy(TestPaths.Repo("pipelines", "two-points.toml"), Path.Combine(session.Work, "pipelines", "two-points.toml"));
        var script = Path.Combine(session.Work, "readme.fsx");
        File.WriteAllText(script, snippet);

        var (code, output) = await session.RunAsync("dotnet", ["fsi", script], session.Work, TimeSpan.FromMinutes(8));
        Assert.True(code == 0, output);
        foreach (var stage in new[] { "train", "check", "fit", "report" }) Assert.Contains($"{stage}: Done", output); // the point-set graph

        // The frame the script printed from is the run's own fit table.
        var run = Path.Combine(session.Work, "runs", "fsharp-example");
        var fit = Assert.Single(TableFile.Read<FitRow>(Path.Combine(run, "fit", "fits.parquet")));
        var printed = Printed().Match(output);
        Assert.True(printed.Success, output);
        Assert.Equal(fit.EtaH, double.Parse(printed.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Equal(fit.R2H, double.Parse(printed.Groups[2].Value, CultureInfo.InvariantCulture));
        // The theory fit recovers the rates it simulated with.
        var recovered = Regex.Match(output, @"recovered eta_h = (\S+), eta_y = (\S+)");
        Assert.Equal(2e-3, double.Parse(recovered.Groups[1].Value, CultureInfo.InvariantCulture), 5e-5);
        Assert.Equal(1e-2, double.Parse(recovered.Groups[2].Value, CultureInfo.InvariantCulture), 2.5e-4);
        // The report's figures exist as PNG and SVG.
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "report", "figures"), "*.png"));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(run, "report", "figures"), "*.svg"));
    }
}

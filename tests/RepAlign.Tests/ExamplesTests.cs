namespace RepAlign.Tests;

/// <summary>The F# scripts in examples/ run on a finished run, so they cannot rot.</summary>
public class ExamplesTests
{
    [Fact]
    public async Task ExploreFitsScriptLoadsARunAsDeedleFramesAndPlots()
    {
        using var scratch = new ScratchFolder();
        var run = scratch.File("run");
        var code = RepAlign.Tests.Cli.CliRunner.Run(["run", TestPaths.Repo("pipelines", "two-points.toml"), "--out", run,
            "--set", "model.depth=3", "--set", "model.width=16", "--set", "train.epochs=120", "--set", "train.lr=0.05",
            "--set", "track.layers=all", "--set", "fit.grid_points=30", "--set", "checkpoints.count=3"]).Code;
        Assert.Equal(0, code);

        var html = scratch.File("plot.html");
        var (exit, output) = await ChildProcess.RunAsync("dotnet", ["fsi", TestPaths.Repo("examples", "explore-fits.fsx"), run, html], TimeSpan.FromMinutes(4));
        Assert.True(exit == 0, output);
        Assert.Contains("layer 2:", output);
        Assert.Contains("Plotly.newPlot", File.ReadAllText(html));
    }
}

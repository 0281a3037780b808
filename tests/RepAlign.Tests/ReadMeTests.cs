using System.Text.RegularExpressions;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;

namespace RepAlign.Tests;

/// <summary>README's promises, executed: its opening commands and its small-run example.</summary>
public partial class ReadMeTests
{
    private static readonly string ReadMe = File.ReadAllText(TestPaths.Repo("README.md"));

    [GeneratedRegex(@"^repalign run (\S+)((?: --set \S+)+)$", RegexOptions.Multiline)]
    private static partial Regex RunExample();

    [Fact]
    public void OpensWithExactlyTwoSetUpCommandsThatRunTheMainJobAndTheTests()
    {
        var firstBlock = Regex.Match(ReadMe, "```bash\n(.*?)```", RegexOptions.Singleline).Groups[1].Value;
        var commands = firstBlock.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, commands.Length);
        Assert.Contains("run pipelines/", commands[0]);
        Assert.StartsWith("dotnet test", commands[1]);
        var pipeline = Regex.Match(commands[0], @"run (\S+\.toml)").Groups[1].Value;
        Assert.True(File.Exists(TestPaths.Repo(pipeline)), pipeline);
    }

    [Fact]
    public void SmallRunExampleCompletesEveryStage()
    {
        var m = RunExample().Match(ReadMe);
        Assert.True(m.Success, "README has a 'repalign run … --set …' example");
        using var scratch = new ScratchFolder();
        var args = new List<string> { "run", TestPaths.Repo(m.Groups[1].Value) };
        args.AddRange(m.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        args.AddRange(["--set", "fit.grid_points=40", "--out", scratch.Path]);
        Assert.Equal(0, RepAlign.Tests.Cli.CliRunner.Run(args.ToArray()).Code);
        var manifest = RunManifest.Read(Path.Combine(scratch.Path, "run.json"));
        Assert.Equal(["check", "fit", "report", "train"], manifest.Stages.Keys); // a point-set run: train → check → fit → report
        Assert.All(manifest.Stages.Values, s => Assert.Equal(StageState.Done, s.State));
        Assert.Single(TableFile.Read<FitRow>(Path.Combine(scratch.Path, "fit", "fits.parquet")));
    }
}

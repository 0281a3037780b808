namespace RepAlign.Tests.Cli;

/// <summary>The command line's contract: exit codes and messages.</summary>
[Collection("console")]
public class CliTests
{
    private static (int Code, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string Pipeline => TestPaths.Repo("pipelines", "two-points.toml");

    [Theory]
    [InlineData("model.widht=3", "did you mean 'model.width'")]
    [InlineData("model.width=-3", "model.width: found -3")]
    [InlineData("model.activation=relux", "did you mean 'relu'")]
    [InlineData("train.lr=-1", "train.lr: found -1")]
    public void BadSettingsExitWithCode2AndSayWhy(string setting, string expected)
    {
        var (code, err) = Run("run", Pipeline, "--set", setting);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void MissingPipelineFileExitsWith2()
    {
        var (code, err) = Run("run", "no/such/pipeline.toml");
        Assert.Equal(2, code);
        Assert.Contains("no/such/pipeline.toml", err);
    }

    [Fact]
    public void UnknownArgumentsExitWith2()
    {
        Assert.Equal(2, Run("run", Pipeline, "--frobnicate").Code);
        Assert.Equal(2, Run("explode").Code);
    }

    [Fact]
    public void HelpExitsWith0()
    {
        Assert.Equal(0, Run("--help").Code);
        Assert.Equal(0, Run("run", "--help").Code);
    }
}

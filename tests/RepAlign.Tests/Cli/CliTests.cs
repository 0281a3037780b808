namespace RepAlign.Tests.Cli;

/// <summary>The command line's contract: exit codes and messages.</summary>
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

/// <summary>--device cuda on a machine without CUDA stops with the missing library named, never a silent CPU run.</summary>
public class CudaDeviceTests
{
    [NoCudaFact]
    public void CudaWithoutItsLibrariesFailsTheExtractStageNamingWhatIsMissing()
    {
        using var scratch = new ScratchFolder();
        var (code, err) = CliRunner.Run("run", TestPaths.Repo("pipelines", "two-points.toml"), "--device", "cuda", "--out", scratch.Path,
            "--set", "model.depth=3", "--set", "model.width=16", "--set", "train.epochs=30", "--set", "checkpoints.count=2");
        Assert.Equal(1, code);
        Assert.Contains("stage 'check' failed", err);
        Assert.Contains(".so", err);          // the missing library by name
        Assert.Contains("--device cpu", err); // and what to do
        Assert.False(File.Exists(Path.Combine(scratch.Path, "check", "pairs.parquet")));
        var manifest = RepAlign.Core.Runs.RunManifest.Read(Path.Combine(scratch.Path, "run.json"));
        Assert.Equal(RepAlign.Core.Runs.StageState.Failed, manifest.Stages["check"].State);
    }

    [CudaFact]
    public void CudaExtractionEqualsCpuExtractionWithin1e5()
    {
        using var cpu = new ScratchFolder();
        using var cuda = new ScratchFolder();
        string[] tiny = ["--set", "model.depth=3", "--set", "model.width=16", "--set", "train.epochs=30", "--set", "checkpoints.count=2", "--to", "check"];
        Assert.Equal(0, CliRunner.Run(["run", TestPaths.Repo("pipelines", "two-points.toml"), "--device", "cpu", "--out", cpu.Path, .. tiny]).Code);
        Assert.Equal(0, CliRunner.Run(["run", TestPaths.Repo("pipelines", "two-points.toml"), "--device", "cuda", "--out", cuda.Path, .. tiny]).Code);
        var onCpu = RepAlign.Core.Tables.TableFile.Read<RepAlign.Core.Tables.PairRow>(Path.Combine(cpu.Path, "check", "pairs.parquet")).ToArray();
        var onCuda = RepAlign.Core.Tables.TableFile.Read<RepAlign.Core.Tables.PairRow>(Path.Combine(cuda.Path, "check", "pairs.parquet")).ToArray();
        Assert.Equal(onCpu.Length, onCuda.Length);
        Assert.NotEmpty(onCpu);
        static void Near(double a, double b, string what) =>
            Assert.True(Math.Abs(a - b) <= 1e-5 * Math.Max(1.0, Math.Abs(a)), $"{what}: cpu {a}, cuda {b}");
        for (var i = 0; i < onCpu.Length; i++)
        {
            Assert.Equal((onCpu[i].Epoch, onCpu[i].Layer, onCpu[i].Pair), (onCuda[i].Epoch, onCuda[i].Layer, onCuda[i].Pair));
            Near(onCpu[i].H2, onCuda[i].H2, $"row {i} h2");
            Near(onCpu[i].Y2, onCuda[i].Y2, $"row {i} y2");
            Near(onCpu[i].W, onCuda[i].W, $"row {i} w");
        }
    }
}

/// <summary>Checkpoints written for another spec are refused at load, the mismatch named.</summary>
public class CheckpointMismatchTests
{
    [Fact]
    public void ExtractRefusesCheckpointsOfAnotherSpec()
    {
        using var scratch = new ScratchFolder();
        string[] tiny = ["--set", "model.depth=3", "--set", "train.epochs=30", "--set", "checkpoints.count=2", "--out", scratch.Path];
        Assert.Equal(0, CliRunner.Run(["run", TestPaths.Repo("pipelines", "two-points.toml"), "--set", "model.width=16", "--to", "train", .. tiny]).Code);
        var (code, err) = CliRunner.Run(["run", TestPaths.Repo("pipelines", "two-points.toml"), "--set", "model.width=32", "--from", "check", .. tiny]);
        Assert.Equal(2, code);
        Assert.Contains("model.width: checkpoint has 16, run has 32", err);
        Assert.Contains("epoch-00000.onnx", err);
    }
}

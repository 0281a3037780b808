using RepAlign.Pipelines.Runner;
using RepAlign.Tests.Faults;

namespace RepAlign.Tests.Analysis;

/// <summary>Pipeline files of tiny point-set runs (a few seconds each) for the report tests.</summary>
public static class TinyPointSets
{
    /// <summary>XOR: 16-wide, two hidden layers, 300 full-batch epochs, all six pairs tracked at layer 1.</summary>
    public const string Xor = """
        [experiment]
        name = "tiny-xor"

        [data]
        kind = "xor"

        [model]
        width = 16
        depth = 2
        activation = "relu"

        [train]
        lr = 0.05
        epochs = 300
        seed = 1
        batch = 0

        [checkpoints]
        count = 3

        [track]
        layers = [1]

        [fit]
        grid_points = 30
        fit_loss = false
        """;

    /// <summary>Context blobs: 16-wide, two hidden layers, 8 epochs of batch 600, the 25 pairs tracked at layer 1.</summary>
    public const string ContextBlobs = """
        [experiment]
        name = "tiny-context-blobs"

        [data]
        kind = "context_blobs"

        [model]
        width = 16
        depth = 2
        gain = 0.5

        [train]
        lr = 0.05
        epochs = 8
        seed = 2
        batch = 600

        [checkpoints]
        count = 3

        [track]
        layers = [1]

        [fit]
        grid_points = 9
        fit_loss = false
        """;

    /// <summary>Writes a pipeline file into the folder and runs it there with the command line's stages (CSV off).</summary>
    public static RunResult Run(string folder, string name, string toml)
    {
        Directory.CreateDirectory(folder);
        var pipeline = Path.Combine(folder, name + ".toml");
        File.WriteAllText(pipeline, toml);
        return PipelineRunner.Run(new RunRequest { Pipeline = pipeline, Out = Path.Combine(folder, name) }, RepAlign.FSharp.Stages.set, SilentObserver.Instance);
    }
}

/// <summary>A tiny XOR run and a tiny context-blobs run, made once for the tests of a class.</summary>
public sealed class PointSetRunsFixture : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    /// <summary>Runs both.</summary>
    public PointSetRunsFixture()
    {
        Xor = TinyPointSets.Run(_scratch.Path, "xor", TinyPointSets.Xor);
        ContextBlobs = TinyPointSets.Run(_scratch.Path, "blobs", TinyPointSets.ContextBlobs);
    }

    /// <summary>The XOR run.</summary>
    public RunResult Xor { get; }

    /// <summary>The context-blobs run.</summary>
    public RunResult ContextBlobs { get; }

    /// <summary>A scratch folder of the fixture's (for browser profiles).</summary>
    public string Scratch(string name) => Directory.CreateDirectory(_scratch.File(name)).FullName;

    /// <inheritdoc />
    public void Dispose() => _scratch.Dispose();
}

/// <summary>A tiny MNIST run (300 digits, 4 epochs) of pipelines/mnist-pairs.toml, made once for the tests of a class.</summary>
public sealed class DatasetRunFixture : IDisposable
{
    private readonly ScratchFolder _scratch = new();

    /// <summary>Runs it.</summary>
    public DatasetRunFixture() =>
        Run = TinyRuns.InProcess("mnist-pairs.toml", TinyRuns.MnistSettings(TinyRuns.MnistFolder(_scratch.File("mnist"))), _scratch.File("run"), SilentObserver.Instance);

    /// <summary>The run.</summary>
    public RunResult Run { get; }

    /// <summary>A scratch folder of the fixture's (for browser profiles).</summary>
    public string Scratch(string name) => Directory.CreateDirectory(_scratch.File(name)).FullName;

    /// <inheritdoc />
    public void Dispose() => _scratch.Dispose();
}

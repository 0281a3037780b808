using RepAlign.Core;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Tests.Pipelines;

/// <summary>
/// A build without the training core (the extraction bundle, README "Devices") refuses a run that must train before it
/// creates anything, and runs the later stages of a folder the full build has trained.
/// </summary>
public class ExtractionBuildTests
{
    private static readonly StageSet WithoutTraining = RepAlign.FSharp.Stages.set with { Training = null };

    private static readonly string[] Tiny =
    [
        "model.depth=3", "model.width=16", "train.epochs=60", "train.lr=0.05", "track.layers=[1]",
        "checkpoints.count=4", "fit.grid_points=30",
    ];

    private static RunRequest Request(string pipeline, string outDir, string? from = null, string[]? overrides = null) => new()
    {
        Pipeline = pipeline, Overrides = overrides ?? Tiny, Out = outDir, From = from,
    };

    [Fact]
    public void ANewRunFolderIsRefusedBeforeAnythingIsWritten()
    {
        using var scratch = new ScratchFolder();
        var folder = scratch.File("new-run");
        var e = Assert.Throws<BadInputException>(() =>
            PipelineRunner.Run(Request(TestPaths.Repo("pipelines", "two-points.toml"), folder), WithoutTraining, SilentObserver.Instance));
        Assert.Contains("stage 'train' must run (nothing is recorded in this run folder yet)", e.Message);
        Assert.Contains("without the training core", e.Message);
        Assert.False(Directory.Exists(folder), "the refused run left a folder behind");
    }

    [Fact]
    public void ANewSweepFolderIsRefusedBeforeAnythingIsWritten()
    {
        using var scratch = new ScratchFolder();
        var file = scratch.File("sweep.toml");
        File.WriteAllText(file, TinySweep.Toml("tiny-sweep", epochs: 40, seed: 3, trials: 1));
        var folder = scratch.File("new-sweep");
        var e = Assert.Throws<BadInputException>(() => PipelineRunner.Run(Request(file, folder, overrides: []), WithoutTraining, SilentObserver.Instance));
        Assert.Contains("nothing is recorded in this sweep folder yet", e.Message);
        Assert.False(Directory.Exists(folder), "the refused sweep left a folder behind");
    }

    [Fact]
    public void AFolderTrainedByTheFullBuildRunsItsLaterStages()
    {
        using var scratch = new ScratchFolder();
        var pipeline = TestPaths.Repo("pipelines", "two-points.toml");
        var trained = PipelineRunner.Run(Request(pipeline, scratch.Path), RepAlign.FSharp.Stages.set, SilentObserver.Instance);
        Assert.True(trained.Succeeded, trained.Message);

        // Re-fit with the training stage up to date: the build without the core skips it and runs the rest.
        var recorder = new Faults.StageRecorder();
        var refit = PipelineRunner.Run(Request(pipeline, scratch.Path, from: "fit"), WithoutTraining, recorder);
        Assert.True(refit.Succeeded, refit.Message);
        Assert.Contains("done fit", recorder.Events);
        Assert.DoesNotContain("done train", recorder.Events);
    }
}

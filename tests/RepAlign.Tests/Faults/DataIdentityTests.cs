using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Tests.Faults;

/// <summary>
/// Data identity through whole runs (train, extract, fit of a small MNIST run, in this process): a data set refreshed
/// as <c>rsync -a</c> refreshes it, one image changed in a file of the same size and modification time, is computed
/// again; the same content touched stays up to date; <c>--rehash</c> trusts no cached hash and notices an output that
/// was changed behind run.json's back.
/// </summary>
public class DataIdentityTests
{
    private static readonly DateTime Old = new(2021, 6, 1, 12, 0, 0, DateTimeKind.Utc);

    private static RunResult Run(string run, string data, StageRecorder recorder, bool rehash = false) =>
        PipelineRunner.Run(new RunRequest
        {
            Pipeline = TestPaths.Repo("pipelines", "mnist-pairs.toml"), Overrides = TinyRuns.MnistSettings(data), Out = run, To = "fit", Rehash = rehash,
        }, RepAlign.FSharp.Stages.set, recorder);

    private static readonly string[] Stages = ["train", "extract", "fit"];

    [Fact]
    public void AnRsyncStyleReplacementIsComputedAgainAndATouchStaysUpToDate()
    {
        using var scratch = new ScratchFolder();
        var data = TinyRuns.MnistFolder(scratch.File("mnist"));
        var images = Path.Combine(data, "train-images-idx3-ubyte");
        foreach (var file in Directory.GetFiles(data)) File.SetLastWriteTimeUtc(file, Old); // a folder with an old modification time
        var run = scratch.File("run");
        Assert.True(Run(run, data, new StageRecorder()).Succeeded);
        var fits = File.ReadAllBytes(Path.Combine(run, "fit", "fits.parquet"));

        // One image replaced by a file of the same size and modification time, renamed over the old one (a new inode).
        var before = FileIdentity.Of(images)!.Value;
        var pixels = File.ReadAllBytes(images);
        for (var i = 16; i < 16 + 784; i++) pixels[i] = (byte)(255 - pixels[i]); // the first image, inverted
        FileIdentityTests.ReplaceAsRsyncDoes(images, pixels);
        var after = FileIdentity.Of(images)!.Value;
        Assert.Equal((before.Size, before.MtimeNs), (after.Size, after.MtimeNs));

        var replaced = new StageRecorder();
        Assert.True(Run(run, data, replaced).Succeeded);
        Assert.All(Stages, s => Assert.Contains($"done {s}", replaced.Events)); // train, extract, fit: none skipped
        Assert.Equal(Hashing.File(images), RunManifest.Read(Path.Combine(run, "run.json")).Stages["train"].Inputs[images]);
        Assert.NotEqual(fits, File.ReadAllBytes(Path.Combine(run, "fit", "fits.parquet")));

        // The same content touched: hashed again, the same hash, nothing runs.
        File.SetLastWriteTimeUtc(images, DateTime.UtcNow);
        var touched = new StageRecorder();
        Assert.True(Run(run, data, touched).Succeeded);
        Assert.All(Stages, s => Assert.Contains($"skip {s}", touched.Events));
    }

    [Fact]
    public void RehashTrustsNoCachedHashAndChecksRecordedOutputsByTheirBytes()
    {
        using var scratch = new ScratchFolder();
        var data = TinyRuns.MnistFolder(scratch.File("mnist"));
        var run = scratch.File("run");
        Assert.True(Run(run, data, new StageRecorder()).Succeeded);

        var rehashed = new StageRecorder();
        Assert.True(Run(run, data, rehashed, rehash: true).Succeeded);
        Assert.All(Stages, s => Assert.Contains($"skip {s}", rehashed.Events)); // nothing changed: nothing runs

        // An output changed in place behind run.json's back, its size and time kept: only --rehash reads it.
        var index = Path.Combine(run, "checkpoints", "index.json");
        var (text, time) = (File.ReadAllText(index), File.GetLastWriteTimeUtc(index));
        File.WriteAllText(index, text.Replace("\"epoch\": 1,", "\"epoch\": 1 ,").Replace("\"epoch\": 2,", "\"epoch\":2,"));
        File.SetLastWriteTimeUtc(index, time);
        Assert.NotEqual(text, File.ReadAllText(index));
        var trusting = new StageRecorder();
        Assert.True(Run(run, data, trusting).Succeeded);
        Assert.All(Stages, s => Assert.Contains($"skip {s}", trusting.Events)); // run.json's recorded hashes are trusted
        var checking = new StageRecorder();
        Assert.True(Run(run, data, checking, rehash: true).Succeeded);
        Assert.Contains("done train", checking.Events); // its recorded output no longer holds those bytes: it runs again
    }
}

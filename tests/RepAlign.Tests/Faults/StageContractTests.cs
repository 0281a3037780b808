using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Tests.Faults;

/// <summary>The stage contract: content-hashed inputs in cache keys and run.json, no undeclared reads, any exception marks its stage failed.</summary>
public class StageContractTests
{
    private static IReadOnlyList<string> Stages() => TinyRuns.StageNames("mnist-pairs.toml");

    private static RunResult Run(string outDir, string data, StageRecorder recorder, string? from = null, string? to = null) =>
        TinyRuns.InProcess("mnist-pairs.toml", TinyRuns.MnistSettings(data), outDir, recorder, from, to);

    [Fact]
    public void DataReplacedBehindTheSamePathIsNoticedAndEveryStageReadsOnlyWhatItDeclares()
    {
        using var scratch = new ScratchFolder();
        var data = TinyRuns.MnistFolder(scratch.File("mnist"));
        var run = scratch.File("run");
        var first = Run(run, data, new StageRecorder());
        Assert.True(first.Succeeded, first.Message);
        var manifest = RunManifest.Read(first.Layout.Manifest);

        // run.json records the content hash of every file each stage read, inside and outside the run folder.
        var images = Path.Combine(data, "train-images-idx3-ubyte");
        Assert.Equal(Hashing.File(images), manifest.Stages["train"].Inputs[images]);
        Assert.Equal(Hashing.File(images), manifest.Stages["extract"].Inputs[images]);
        Assert.Contains("checkpoints/index.json", manifest.Stages["extract"].Inputs.Keys);
        foreach (var table in new[] { "train/loss.parquet", "extract/accuracy.parquet", "extract/probe.parquet" })
            Assert.Equal(Hashing.File(Path.Combine(run, table)), manifest.Stages["report"].Inputs[table]);

        // Every stage, run alone in a folder holding only run.json and the files it declares, writes the same outputs.
        foreach (var stage in Stages())
        {
            var sandbox = scratch.File("sandbox-" + stage);
            Directory.CreateDirectory(sandbox);
            File.Copy(first.Layout.Manifest, Path.Combine(sandbox, "run.json"));
            var record = manifest.Stages[stage];
            foreach (var input in record.Inputs.Keys.Where(k => !Path.IsPathRooted(k)))
            {
                var from = Path.Combine(run, input);
                if (!File.Exists(from)) continue;
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(sandbox, input))!);
                File.Copy(from, Path.Combine(sandbox, input));
            }
            var alone = Run(sandbox, data, new StageRecorder(), from: stage, to: stage);
            Assert.True(alone.Succeeded, $"{stage} with only its declared inputs: {alone.Message}");
            // Tables are compared without their timing columns (through the CSV beside each Parquet file), other files byte for byte.
            var rerun = RunManifest.Read(alone.Layout.Manifest).Stages[stage];
            Assert.Equal(record.Outputs.Keys, rerun.Outputs.Keys);
            foreach (var (output, hash) in record.Outputs)
            {
                var (a, b) = (Path.Combine(run, output), Path.Combine(sandbox, output));
                var same = Path.GetExtension(output) switch
                {
                    ".parquet" => true,
                    ".csv" => TinyRuns.TableHash(a) == TinyRuns.TableHash(b),
                    ".html" => Shape(a) == Shape(b), // the report shows loss, probe and accuracy only when it reads them
                    _ => rerun.Outputs[output] == hash,
                };
                Assert.True(same, $"{stage}: {output} differs when only its declared inputs are present");
            }
        }

        // Unchanged: every stage skipped. New pixels behind the same path: every stage runs again.
        var unchanged = new StageRecorder();
        Assert.True(Run(run, data, unchanged).Succeeded);
        Assert.All(Stages(), s => Assert.Contains($"skip {s}", unchanged.Events));
        var pixels = File.ReadAllBytes(images);
        for (var i = 16; i < 16 + 784; i++) pixels[i] = (byte)(255 - pixels[i]);
        File.WriteAllBytes(images, pixels);
        var replaced = new StageRecorder();
        Assert.True(Run(run, data, replaced).Succeeded);
        Assert.All(Stages(), s => Assert.Contains($"done {s}", replaced.Events));
        Assert.Equal(Hashing.File(images), RunManifest.Read(first.Layout.Manifest).Stages["train"].Inputs[images]);
    }

    /// <summary>A report with every plot id (a GUID, with or without dashes) and number replaced by #: its sections and series, not its timings.</summary>
    private static string Shape(string html) =>
        System.Text.RegularExpressions.Regex.Replace(
            System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(html), "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}", "#"),
            "[-+0-9.eE]+", "#");

    private sealed class Throwing(string name, Exception error) : IStage
    {
        public string Name => name;
        public IReadOnlyList<string> DependsOn { get; } = [];
        public object Parameters(RepAlign.Core.Specs.ExperimentSpec spec) => new { name };
        public StageOutcome Run(StageContext context) => throw error;
    }

    /// <summary>Runs a graph of one stage on the request's pipeline and folder.</summary>
    private static RunResult RunAlone(RunRequest request, IStage stage)
    {
        var spec = RepAlign.Pipelines.Spec.PipelineFile.Validate(RepAlign.Pipelines.Spec.PipelineFile.LoadDocument(request.Pipeline, []).Base, request.Pipeline);
        return PipelineRunner.RunOne(request, spec, PipelineRunner.LayoutOf(request, spec), new StageGraph(ExperimentFamily.PointSet, [stage]), new StageRecorder());
    }

    [Fact]
    public void AnyExceptionMarksItsStageFailedWithTheMessage()
    {
        using var scratch = new ScratchFolder();
        var request = new RunRequest { Pipeline = TestPaths.Repo("pipelines", "two-points.toml"), Out = scratch.Path };
        var result = RunAlone(request, new Throwing("boom", new InvalidOperationException("the disk said no")));
        Assert.False(result.Succeeded);
        Assert.Equal("boom", result.FailedStage);
        Assert.IsType<InvalidOperationException>(result.Error);
        var record = RunManifest.Read(result.Layout.Manifest).Stages["boom"];
        Assert.Equal(StageState.Failed, record.State);
        Assert.Equal("InvalidOperationException: the disk said no", record.Message);

        // Bad input during a stage is recorded too, and still reaches the caller (exit code 2).
        var bad = Assert.Throws<BadInputException>(() => RunAlone(request, new Throwing("bad", new BadInputException("x.csv:3: found y"))));
        Assert.Equal("x.csv:3: found y", bad.Message);
        Assert.Equal(StageState.Failed, RunManifest.Read(result.Layout.Manifest).Stages["bad"].State);
    }

    [Fact]
    public void ContentHashesAreCachedBySizeAndModificationTime()
    {
        using var scratch = new ScratchFolder();
        var path = scratch.File("data.bin");
        File.WriteAllBytes(path, new byte[1 << 20]);
        // The cache is process-wide and other tests fill it in parallel: ask for this file's entry, not for a count.
        Assert.False(ContentHashes.IsCached(path));
        var first = ContentHashes.Of(path);
        Assert.Equal(Hashing.File(path), first);
        Assert.True(ContentHashes.IsCached(path)); // hashed once, then served from the cache
        Assert.Equal(first, ContentHashes.Of(path));
        var bytes = new byte[1 << 20];
        bytes[^1] = 1;
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(1));
        Assert.False(ContentHashes.IsCached(path)); // new size or time: a new key
        Assert.NotEqual(first, ContentHashes.Of(path));
        Assert.Equal(ContentHashes.Absent, ContentHashes.Of(scratch.File("missing")));
    }
}

using System.Text.Json;
using CsCheck;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Pipelines.Cluster;
using RepAlign.Pipelines.Runner;
using RepAlign.Pipelines.Stages;

namespace RepAlign.Tests.Fuzz;

/// <summary>
/// The JSON files a user can point RepAlign at — run.json, checkpoints/index.json, slurm/jobs.json — generated with
/// random content, then mutated (<see cref="JsonFuzz"/>): read back equal when intact, bad input naming the file when
/// broken, never another exception; and a run on a folder with a broken run.json stops with exit 2 and writes nothing.
/// </summary>
public class JsonFilesFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Gen<SortedDictionary<string, string>> Hashes =
        Gen.Select(JsonFuzz.Text, JsonFuzz.Hex(64)).Array[0, 4].Select(kv => new SortedDictionary<string, string>(
            kv.GroupBy(p => p.Item1).ToDictionary(g => g.Key, g => g.First().Item2), StringComparer.Ordinal));

    private static readonly Gen<ProcessStamp?> Holder = Gen.Frequency(
        (1, Gen.Const((ProcessStamp?)null)),
        (1, Gen.Select(JsonFuzz.Text, Gen.Int[1, 1 << 22], JsonFuzz.Hex(32), Gen.Long[0, long.MaxValue], (h, p, b, t) => (ProcessStamp?)new ProcessStamp(h, p, b, t))));

    private static readonly Gen<StageRecord> Stage =
        Gen.Select(Gen.Enum<StageState>(), JsonFuzz.Hex(64), JsonFuzz.Utc.Nullable(), Gen.Double[0, 1e6], Holder, JsonFuzz.Text, Hashes, Hashes,
            (state, key, started, seconds, holder, message, outputs, inputs) => new StageRecord
            {
                State = state, CacheKey = key, StartedUtc = started, Seconds = seconds, Holder = holder, Message = message, Outputs = outputs, Inputs = inputs,
            });

    private static readonly Gen<RunManifest> Manifest =
        Gen.Select(JsonFuzz.Text, JsonFuzz.Utc, JsonFuzz.Text.Array[0, 3], Hashes,
            Gen.Select(JsonFuzz.Text, Gen.Int[-1, 1000], Gen.Long[0, 1 << 30].Nullable()).Array[0, 3],
            Gen.OneOfConst("train", "extract", "fit", "analyze", "report").Array[0, 5].SelectMany(names => Stage.Array[names.Length].Select(s => (names, s))),
            (pipeline, created, overrides, inputs, checkpoints, stages) => new RunManifest
            {
                Pipeline = pipeline, RunId = "seed1-0123456789", CreatedUtc = created, Spec = new ExperimentSpec { Name = pipeline },
                Overrides = overrides, Inputs = inputs,
                Checkpoints = checkpoints.Select(c => new ReadCheckpoint(c.Item1, c.Item2, c.Item3)).ToArray(),
                Versions = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["repalign"] = "0.1.0", [".net"] = "10.0" },
                Stages = new SortedDictionary<string, StageRecord>(stages.names.Distinct().Zip(stages.s).ToDictionary(p => p.First, p => p.Second), StringComparer.Ordinal),
            });

    private static readonly Gen<CheckpointEntry[]> Index =
        Gen.Select(Gen.Int[-1, 100000], JsonFuzz.Text, JsonFuzz.Hex(64), (e, f, h) => new CheckpointEntry(e, f, h)).Array[0, 6];

    private static readonly Gen<SubmittedJob[]> Jobs =
        Gen.Select(Gen.OneOfConst("train", "point", "extract", "fit", "merge", "gather", "report", "experiment-xor"), Gen.Int[1, 99999999],
            Gen.Int[0, 1000].Array[0, 5], JsonFuzz.Text, JsonFuzz.Text, JsonFuzz.Utc, Gen.Bool,
            (role, id, tasks, dependency, path, submitted, superseded) => new SubmittedJob
            {
                Role = role, JobId = id.ToString(System.Globalization.CultureInfo.InvariantCulture), Tasks = tasks, Dependency = dependency,
                Script = "/s/" + path, Log = "/l/" + path + "-%A_%a.out", SubmittedUtc = submitted, Superseded = superseded,
            }).Array[0, 4];

    /// <summary>
    /// Writes each mutation of a generated document to a file, reads it with <paramref name="read"/> and checks the outcome
    /// against what the mutation must give; a document read whole must serialise as the one written.
    /// </summary>
    private void Fuzz<T>(string name, Gen<T> documents, Func<T, string> write, Func<string, string> read, string fileName,
        string[] enumKeys, string[] ignoredOnRead, Action<string, Expect>? also = null)
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        var kinds = new Dictionary<Expect, int>();
        long n = 0;
        var cases = documents.SelectMany(d =>
        {
            var text = write(d);
            return JsonFuzz.Mutations(text, enumKeys, ignoredOnRead).Select(m => (Written: text, m.Text, m.Expect, m.Kind));
        });
        FuzzCheck.Run(name, cases, c =>
        {
            var folder = scratch.File($"case-{Interlocked.Increment(ref n)}");
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, fileName);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, c.Text);
            string? reread = null;
            var code = FuzzCheck.ExitCode(() => reread = read(path), path);
            tally.Add(code);
            kinds[c.Expect] = kinds.GetValueOrDefault(c.Expect) + 1;
            if (c.Expect == Expect.Same) Assert.True(code == 0 && reread == c.Written, $"{c.Kind}: not read back as written (exit {code}): {FirstDifference(c.Written, reread)}");
            if (c.Expect == Expect.Bad) Assert.True(code == 2, $"{c.Kind}: read without an error");
            also?.Invoke(path, code == 2 ? Expect.Bad : Expect.Same);
            Directory.Delete(folder, recursive: true);
        }, output.WriteLine);
        output.WriteLine($"{tally.AssertSeen(FuzzCheck.Cases, 100, 300)}; {kinds.GetValueOrDefault(Expect.Same)} intact read back equal, " +
                         $"{kinds.GetValueOrDefault(Expect.Bad)} broken all exit 2, {kinds.GetValueOrDefault(Expect.Either)} either way");
    }

    private static string FirstDifference(string written, string? read)
    {
        if (read is null) return "nothing read";
        var (a, b) = (written.Split('\n'), read.Split('\n'));
        var i = Enumerable.Range(0, Math.Min(a.Length, b.Length)).FirstOrDefault(k => a[k] != b[k], -1);
        return i < 0 ? $"{a.Length} lines written, {b.Length} read" : $"line {i + 1}: written {a[i].Trim()}, read {b[i].Trim()}";
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, RepAlignJson.Options);

    [Fact]
    public void RunJsonIsReadBackEqualOrIsBadInputNamingTheFileAndARunOnItWritesNothing()
    {
        var runs = 0;
        Fuzz("run.json", Manifest, m => m.ToJson(), path => RunManifest.Read(path).ToJson(), "run.json", ["state"], [], (path, outcome) =>
        {
            if (outcome != Expect.Bad || runs++ % 10 != 0) return; // a run on every tenth broken one
            var folder = Path.GetDirectoryName(path)!;
            var before = File.ReadAllBytes(path);
            var request = new RunRequest { Pipeline = "fuzz.toml", Out = folder };
            Assert.Throws<RepAlign.Core.BadInputException>(() =>
                PipelineRunner.RunOne(request, new ExperimentSpec(), new RunLayout(folder), new StageGraph(ExperimentFamily.PointSet, [new NeverRuns()]), SilentObserver.Instance));
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal([RunLock.FileName, "run.json"], Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        });
        Assert.True(runs >= 30, $"only {runs} runs on broken run.json files");
    }

    [Fact]
    public void CheckpointIndexIsReadBackEqualOrIsBadInputNamingTheFile() =>
        Fuzz("index.json", Index, Json, path => Json(CheckpointIndex.Read(path).ToArray()), "index.json", [], []);

    [Fact]
    public void SlurmJobsFileIsReadBackEqualOrIsBadInputNamingTheFile() =>
        Fuzz("jobs.json", Jobs, Json, path => Json(ClusterJobs.Read(Path.GetDirectoryName(Path.GetDirectoryName(path))!).ToArray()),
            Path.Combine("slurm", "jobs.json"), [], ["task_ids"]);

    /// <summary>A stage that fails the test if the runner ever starts it.</summary>
    private sealed class NeverRuns : IStage
    {
        public string Name => "never";
        public IReadOnlyList<string> DependsOn => [];
        public object Parameters(ExperimentSpec spec) => new { };
        public StageOutcome Run(StageContext context) => throw new InvalidOperationException("a stage ran on a broken run.json");
    }
}

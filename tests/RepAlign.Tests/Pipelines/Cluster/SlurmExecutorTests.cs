using System.Diagnostics;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Cluster;

namespace RepAlign.Tests.Pipelines.Cluster;

/// <summary>
/// --executor slurm against a real Slurm (the single-node cluster .ci/run starts): a sweep as a job array with a gather job,
/// a killed array task resubmitted, a sharded MNIST run whose tables equal a local run's, and rejected submissions.
/// </summary>
public class SlurmExecutorTests
{
    private static readonly string Sweep = TinySweep.Toml("slurm-sweep", epochs: 60, seed: 7);

    private static readonly string[] SmallMnist =
    [
        "--set", "train.epochs=6", "--set", "model.width=32", "--set", "extract.pairs=per-class-pair:2",
        "--set", "extract.probe_every=2", "--set", "fit.grid_points=30", "--csv",
    ];

    [SlurmFact]
    public async Task SweepRunsAsJobArrayAndAKilledTaskIsResubmittedUntilTheSweepCompletes()
    {
        SlurmFactAttribute.EnsureUp();
        using var scratch = new ScratchFolder();
        var pipeline = scratch.File("sweep.toml");
        File.WriteAllText(pipeline, Sweep);
        var root = scratch.File("sweep");

        var (code, output) = await Cli(["run", pipeline, "--out", root, "--executor", "slurm"]);
        Assert.True(code == 0, output);
        var jobs = ClusterJobs.Read(root);
        Assert.Equal(["point", "gather"], jobs.Select(j => j.Role));
        Assert.Equal([0, 1, 2, 3], jobs[0].Tasks);
        Assert.Equal($"afterok:{jobs[0].JobId}", jobs[1].Dependency);
        Slurm.Cancel([$"{jobs[0].JobId}_3"]); // kill one array task
        await WaitForJobs(root);

        var points = Directory.GetDirectories(root).Where(d => Path.GetFileName(d) != "slurm").Order().ToArray();
        var done = points.Where(AllStagesDone).ToArray();
        Assert.Equal(3, done.Length); // the cancelled task's point did not finish
        Assert.False(File.Exists(Path.Combine(root, "sweep.csv"))); // its gather (afterok) never ran
        var (_, runs) = await Cli(["runs", scratch.Path]);
        Assert.Contains("CANCELLED", runs);
        Assert.Contains($"point-{jobs[0].JobId}_3.out", runs);
        var before = done.ToDictionary(d => d, d => Hashing.File(Path.Combine(d, "fit", "fits.parquet")) + File.GetLastWriteTimeUtc(Path.Combine(d, "run.json")).Ticks);

        (code, output) = await Cli(["run", pipeline, "--out", root, "--executor", "slurm"]);
        Assert.True(code == 0, output);
        Assert.Contains("1 of 4 points submitted", output);
        var resubmitted = ClusterJobs.Read(root).Skip(jobs.Count).ToArray();
        Assert.Single(resubmitted[0].Tasks);
        await WaitForJobs(root);

        Assert.All(points, p => Assert.True(AllStagesDone(p), p));
        foreach (var (d, stamp) in before) // finished points were not rewritten
            Assert.Equal(stamp, Hashing.File(Path.Combine(d, "fit", "fits.parquet")) + File.GetLastWriteTimeUtc(Path.Combine(d, "run.json")).Ticks);
        var csv = File.ReadAllLines(Path.Combine(root, "sweep.csv"));
        Assert.Equal(1 + 4, csv.Length);

        (code, output) = await Cli(["run", pipeline, "--out", root, "--executor", "slurm"]);
        Assert.True(code == 0, output);
        Assert.Contains("nothing submitted", output);
    }

    [SlurmFact]
    public async Task ShardedMnistRunWritesTheTablesOfALocalRun()
    {
        SlurmFactAttribute.EnsureUp();
        using var scratch = new ScratchFolder();
        var pipeline = TestPaths.Repo("pipelines", "mnist-pairs.toml");
        var local = scratch.File("local");
        var sharded = scratch.File("sharded");
        var submit = await Cli(["run", pipeline, .. SmallMnist, "--out", sharded, "--executor", "slurm", "--shards", "2"]);
        Assert.True(submit.Code == 0, submit.Output);
        Assert.Equal(["train", "extract", "fit", "merge"], ClusterJobs.Read(sharded).Select(j => j.Role));
        var (code, output) = await Cli(["run", pipeline, .. SmallMnist, "--out", local]);
        Assert.True(code == 0, output);
        await WaitForJobs(sharded);
        Assert.True(AllStagesDone(sharded), File.ReadAllText(Path.Combine(sharded, "run.json")));

        // Each shard wrote only its own folder; the merged tables are the local run's, byte for byte.
        Assert.Equal(4, Directory.GetDirectories(Path.Combine(sharded, "shards")).Length);
        foreach (var table in new[] { "extract/pairs.parquet", "extract/pairs.csv", "extract/probe.parquet", "extract/accuracy.parquet",
                     "fit/curves.parquet", "analyze/layers.parquet", "analyze/class_pairs.parquet" })
            Assert.True(File.ReadAllBytes(Path.Combine(local, table)).SequenceEqual(File.ReadAllBytes(Path.Combine(sharded, table))), table);
        // fits: every column but fit_seconds (each fit's own wall-clock time) is the same, in the same order.
        static string[] WithoutSeconds(string path) => File.ReadAllLines(path).Select(l => l[..l.LastIndexOf(',')]).ToArray();
        var fits = WithoutSeconds(Path.Combine(local, "fit", "fits.csv"));
        Assert.Equal(fits, WithoutSeconds(Path.Combine(sharded, "fit", "fits.csv")));
        Assert.Equal(1 + 45 * 2 * 4, fits.Length);
        Assert.EndsWith(",fit_seconds", File.ReadLines(Path.Combine(local, "fit", "fits.csv")).First());

        // The merged run is an ordinary run: a local run finds every stage up to date, a resubmission submits nothing.
        (code, output) = await Cli(["run", pipeline, .. SmallMnist, "--out", sharded]);
        Assert.True(code == 0, output);
        Assert.Equal(5, output.Split('\n').Count(l => l.Contains("skipped (up to date)")));
        (code, output) = await Cli(["run", pipeline, .. SmallMnist, "--out", sharded, "--executor", "slurm", "--shards", "2"]);
        Assert.True(code == 0, output);
        Assert.Contains("nothing submitted", output);
    }

    [SlurmFact]
    public async Task AResubmissionAfterAChangedSettingRedoesWhatALocalRunWouldAndAnUnchangedOneSubmitsNothing()
    {
        SlurmFactAttribute.EnsureUp();
        using var scratch = new ScratchFolder();
        var pipeline = TestPaths.Repo("pipelines", "two-points.toml");
        var run = scratch.File("run");
        string[] Args(params string[] extra) =>
            ["run", pipeline, "--out", run, "--executor", "slurm", .. Faults.TinyRuns.TwoPointSettings.SelectMany(s => new[] { "--set", s }), .. extra];

        var (code, output) = await Cli(Args());
        Assert.True(code == 0, output);
        Assert.Contains("not run yet", output);
        await WaitForJobs(run);
        Assert.True(AllStagesDone(run), File.ReadAllText(Path.Combine(run, "run.json")));
        var first = RunManifest.Read(Path.Combine(run, "run.json"));
        var fits = Hashing.File(Path.Combine(run, "fit", "fits.parquet"));

        // A changed learning rate: the plan names it, the job retrains and refits, run.json has the new rate.
        (code, output) = await Cli(Args("--set", "train.lr=0.02"));
        Assert.True(code == 0, output);
        Assert.Contains("train.lr: 0.05 → 0.02", output);
        Assert.Single(ClusterJobs.Read(run).Skip(1));
        await WaitForJobs(run);
        Assert.True(AllStagesDone(run), File.ReadAllText(Path.Combine(run, "run.json")));
        var second = RunManifest.Read(Path.Combine(run, "run.json"));
        Assert.Equal(0.02, second.Spec.Train.Lr);
        Assert.NotEqual(first.Stages["train"].CacheKey, second.Stages["train"].CacheKey);
        Assert.NotEqual(first.Stages["fit"].CacheKey, second.Stages["fit"].CacheKey);
        Assert.True(second.Stages["train"].StartedUtc > first.Stages["report"].StartedUtc, "train ran again");
        Assert.NotEqual(fits, Hashing.File(Path.Combine(run, "fit", "fits.parquet")));

        // The same settings again: every stage is up to date, nothing is submitted.
        (code, output) = await Cli(Args("--set", "train.lr=0.02"));
        Assert.True(code == 0, output);
        Assert.Contains("every stage is up to date; nothing submitted", output);
        Assert.Equal(2, ClusterJobs.Read(run).Count);
    }

    [SlurmFact]
    public async Task RejectedSubmissionExitsTwoWithSlurmsMessageAndLeavesNothingRunning()
    {
        SlurmFactAttribute.EnsureUp();
        using var scratch = new ScratchFolder();
        var pipeline = scratch.File("sweep.toml");
        File.WriteAllText(pipeline, Sweep);
        var root = scratch.File("sweep");
        var (code, output) = await Cli(["run", pipeline, "--out", root, "--executor", "slurm", "--slurm-opt", "--partition=no-such-partition"]);
        Assert.Equal(2, code);
        Assert.Contains("invalid partition specified: no-such-partition", output); // sbatch's own words
        Assert.False(File.Exists(ClusterJobs.File(root)));
        Assert.Empty(Directory.GetFiles(root, "run.json", SearchOption.AllDirectories));

        (code, output) = await Cli(["run", pipeline, "--out", root, "--executor", "slurm", "--slurm-opt", "--no-such-option"]);
        Assert.Equal(2, code);
        Assert.Contains("unrecognized option '--no-such-option'", output);
    }

    [SlurmFact]
    public async Task ReproduceSubmitsEachExperimentThenTheReport()
    {
        SlurmFactAttribute.EnsureUp();
        using var scratch = new ScratchFolder();
        var out_ = scratch.File("repro");
        var (code, output) = await Cli(["reproduce", "--pipelines", TestPaths.Repo("pipelines"), "--profile", "smoke", "--only", "xor,depth",
            "--out", out_, "--executor", "slurm"]);
        Assert.True(code == 0, output);
        var jobs = ClusterJobs.Read(out_);
        Assert.Equal(["experiment-depth", "experiment-xor", "report"], jobs.Select(j => j.Role)); // in the paper's order
        Assert.Equal($"afterany:{jobs[0].JobId}:{jobs[1].JobId}", jobs[2].Dependency);
        await WaitForJobs(out_);
        var rows = File.ReadAllLines(Path.Combine(out_, "reproduction.csv")).Skip(1).ToArray();
        Assert.Contains(rows, r => r.StartsWith("xor,", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.StartsWith("depth,", StringComparison.Ordinal));
        Assert.DoesNotContain(rows, r => r.Contains(",failed,", StringComparison.Ordinal));
        Assert.Contains("skipped", File.ReadAllText(jobs[2].LogOf(null))); // the report job found the experiments' stages done
    }

    [Fact]
    public async Task MissingSbatchExitsTwo()
    {
        using var scratch = new ScratchFolder();
        var pipeline = scratch.File("sweep.toml");
        File.WriteAllText(pipeline, Sweep);
        var dotnet = Path.GetDirectoryName(Environment.ProcessPath)!;
        var (code, output) = await Cli(["run", pipeline, "--out", scratch.File("sweep"), "--executor", "slurm"], path: dotnet);
        Assert.Equal(2, code);
        Assert.Contains("sbatch not found on PATH", output);
        Assert.False(Directory.Exists(scratch.File("sweep")));
    }

    /// <summary>Whether every stage of the run's graph (4 for a point set, 5 for a data set) is done.</summary>
    private static bool AllStagesDone(string runFolder)
    {
        var manifest = Path.Combine(runFolder, "run.json");
        if (!File.Exists(manifest)) return false;
        var run = RunManifest.Read(manifest);
        var names = RepAlign.FSharp.Stages.graph(run.Spec).Names;
        return names.All(n => run.Stages.TryGetValue(n, out var r) && r.State == StageState.Done);
    }

    /// <summary>Waits until no job recorded for the folder is queued or running.</summary>
    private static async Task WaitForJobs(string root)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var ids = ClusterJobs.Read(root).Select(j => j.JobId).ToArray();
            var states = Slurm.States(ids);
            if (!states.Values.Any(Slurm.IsActive)) return;
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(12), $"Slurm jobs still active after 12 min: {string.Join(", ", states.Select(kv => $"{kv.Key} {kv.Value}"))}");
            await Task.Delay(2000);
        }
    }

    /// <summary>repalign in a process of its own (as the jobs run it), from the repository root; PATH replaced when given.</summary>
    private static async Task<(int Code, string Output)> Cli(string[] args, string? path = null)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal) ? Environment.ProcessPath : "dotnet",
            ["exec", Path.Combine(AppContext.BaseDirectory, "repalign.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        if (path is not null) start.Environment["PATH"] = path;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stderr + await stdout);
    }
}

using System.Diagnostics;
using RepAlign.Core.Runs;
using Xunit.Abstractions;

namespace RepAlign.Tests.Faults;

/// <summary>
/// The real command line under faults: kill -9 at random points then resume, four processes on one folder, a full disk,
/// an exception that is not RepAlign's own. Kills in the suite: REPALIGN_FAULT_KILLS (default 2: one in the MNIST run, one in the sweep); benchmarks/faults.sh runs 20.
/// </summary>
[Collection("processes")]
public class ProcessFaultTests(ITestOutputHelper output)
{
    private static readonly string MnistPipeline = TestPaths.Repo("pipelines", "mnist-pairs.toml");
    private static readonly string TwoPoints = TestPaths.Repo("pipelines", "two-points.toml");
    private static readonly IReadOnlyList<string> StageNames = TinyRuns.StageNames("mnist-pairs.toml");

    private static int Kills => int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_FAULT_KILLS"), out var k) && k > 0 ? k : 2;

    /// <summary>The stage run.json shows running, or null (not written yet, or between stages).</summary>
    private static string? Running(string run)
    {
        try
        {
            var path = Path.Combine(run, "run.json");
            if (!File.Exists(path)) return null;
            return RunManifest.Read(path).Stages.FirstOrDefault(s => s.Value.State == StageState.Running).Key;
        }
        catch (Exception e) when (e is IOException or RepAlign.Core.BadInputException)
        {
            return null;
        }
    }

    [Fact]
    public async Task KilledAtRandomPointsEveryRunResumesToTheSameTables()
    {
        using var scratch = new ScratchFolder();
        var data = TinyRuns.MnistFolder(scratch.File("mnist"));
        var settings = TinyRuns.MnistSettings(data);
        var sweepFile = scratch.File("sweep.toml");
        File.WriteAllText(sweepFile, TinyRuns.SweepToml);

        // Uninterrupted runs: the reference tables and how long each stage takes.
        var clock = Stopwatch.StartNew();
        var reference = await TinyRuns.RunAsync(TinyRuns.RunArgs(MnistPipeline, scratch.File("mnist-reference"), settings));
        Assert.True(reference.Code == 0, reference.Err + reference.Out);
        var mnistSeconds = clock.Elapsed.TotalSeconds;
        var stageSeconds = RunManifest.Read(scratch.File("mnist-reference/run.json")).Stages.ToDictionary(s => s.Key, s => s.Value.Seconds);
        clock.Restart();
        var sweepReference = await TinyRuns.RunAsync(TinyRuns.RunArgs(sweepFile, scratch.File("sweep-reference"), []));
        Assert.True(sweepReference.Code == 0, sweepReference.Err + sweepReference.Out);
        var sweepSeconds = clock.Elapsed.TotalSeconds;
        var mnistTables = TinyRuns.Tables(scratch.File("mnist-reference"));
        var sweepTables = TinyRuns.Tables(scratch.File("sweep-reference"));
        Assert.Contains("fit/fits.csv", mnistTables.Keys);
        Assert.Contains("sweep.csv", sweepTables.Keys);

        var random = new Random(Environment.TickCount);
        var firstStage = random.Next(StageNames.Count); // then each stage in turn: 15 MNIST kills target each stage 3 times
        var sweepKills = Kills >= 2 ? Math.Max(1, Kills / 4) : 0;
        var log = Environment.GetEnvironmentVariable("REPALIGN_FAULT_LOG"); // lines as they happen, for long harness runs
        var identical = 0;
        var lines = new List<string>();
        for (var k = 0; k < Kills; k++)
        {
            var sweep = k >= Kills - sweepKills;
            var folder = scratch.File($"kill-{k}");
            var args = sweep ? TinyRuns.RunArgs(sweepFile, folder, []) : TinyRuns.RunArgs(MnistPipeline, folder, settings);
            string where;
            using (var process = TinyRuns.Start(args))
            {
                _ = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                if (sweep)
                {
                    var delay = random.NextDouble() * sweepSeconds;
                    await Task.Delay(TimeSpan.FromSeconds(delay));
                    where = $"sweep at {delay:F1} s of {sweepSeconds:F1} s";
                }
                else
                {
                    // Wait for the target stage to start, then kill a random fraction of its usual duration later.
                    var stage = StageNames[(firstStage + k) % StageNames.Count];
                    var deadline = DateTime.UtcNow.AddSeconds(mnistSeconds * 3);
                    while (Running(folder) != stage && !process.HasExited && DateTime.UtcNow < deadline) await Task.Delay(5);
                    var delay = random.NextDouble() * stageSeconds.GetValueOrDefault(stage);
                    await Task.Delay(TimeSpan.FromSeconds(delay));
                    where = $"{stage} + {delay:F2} s";
                }
                var killed = !process.HasExited;
                if (killed) process.Kill(); // SIGKILL
                await process.WaitForExitAsync();
                where += killed ? "" : " (finished before the kill)";
            }
            var resumed = await TinyRuns.RunAsync(args);
            Assert.True(resumed.Code == 0, $"resume after kill {k} ({where}): {resumed.Err}{resumed.Out}");
            var difference = TinyRuns.Difference(sweep ? sweepTables : mnistTables, TinyRuns.Tables(folder));
            var leftovers = TinyRuns.TemporaryFiles(folder);
            if (difference.Length == 0 && leftovers.Length == 0) identical++;
            lines.Add($"kill {k}: {where}: {(difference.Length == 0 ? "identical" : "DIFFERENT " + difference)}; {leftovers.Length} temporary files left");
            if (log is not null) File.AppendAllText(log, lines[^1] + "\n");
        }
        foreach (var line in lines) output.WriteLine(line);
        output.WriteLine($"faults: {identical}/{Kills} identical (reference: MNIST run {mnistSeconds:F1} s, sweep {sweepSeconds:F1} s)");
        Assert.True(identical == Kills, string.Join("\n", lines));
    }

    [Fact]
    public async Task FourProcessesOnOneFolderRunOnceAndTheOthersWaitThenSkip()
    {
        using var scratch = new ScratchFolder();
        var single = await TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, scratch.File("single"), TinyRuns.TwoPointSettings));
        Assert.True(single.Code == 0, single.Err);

        var shared = scratch.File("shared");
        var runs = Enumerable.Range(0, 4).Select(_ => TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, shared, TinyRuns.TwoPointSettings))).ToArray();
        var results = await Task.WhenAll(runs);
        Assert.All(results, r => Assert.True(r.Code == 0, r.Err));
        var ran = results.Where(r => r.Out.Contains("✓ train", StringComparison.Ordinal)).ToArray();
        Assert.Single(ran);
        var waited = results.Where(r => !ran.Contains(r)).ToArray();
        Assert.Equal(3, waited.Length);
        foreach (var w in waited)
        {
            Assert.Contains("waiting: ", w.Err);
            Assert.Contains("run folder in use by pid ", w.Err);
            foreach (var stage in TinyRuns.StageNames("two-points.toml")) Assert.Contains($"{stage}: skipped (up to date)", w.Out);
        }
        Assert.Equal("", TinyRuns.Difference(TinyRuns.Tables(scratch.File("single")), TinyRuns.Tables(shared)));
        output.WriteLine($"concurrency: 4 processes, 1 ran, {waited.Length} waited then skipped all {TinyRuns.StageNames("two-points.toml").Count} stages; tables identical to a single run");
    }

    [Fact]
    public async Task WithNoWaitASecondRunOnAHeldFolderExitsWith2NamingTheHolder()
    {
        using var scratch = new ScratchFolder();
        using var held = RunLock.Acquire(scratch.Path, wait: false);
        var (code, err, _) = await TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, scratch.Path, TinyRuns.TwoPointSettings, "--no-wait"));
        Assert.Equal(2, code);
        Assert.Contains($"run folder in use by pid {Environment.ProcessId}", err);
    }

    [Fact]
    public async Task AnExceptionThatIsNotRepAlignsOwnFailsItsStageWithExit1AndOneLine()
    {
        using var scratch = new ScratchFolder();
        var run = scratch.File("run");
        var first = await TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, run, TinyRuns.TwoPointSettings, "--to", "fit"));
        Assert.True(first.Code == 0, first.Err);
        File.WriteAllText(Path.Combine(run, "report"), "a file where the report folder belongs");

        var (code, err, _) = await TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, run, TinyRuns.TwoPointSettings));
        Assert.Equal(1, code);
        var errLines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(errLines.Length == 1, err);
        Assert.Matches("stage 'report' failed: [A-Za-z]*(IO|DirectoryNotFound)Exception: ", errLines[0]); // .NET's own exception, named by its type
        var record = RunManifest.Read(Path.Combine(run, "run.json")).Stages["report"];
        Assert.Equal(StageState.Failed, record.State);
        Assert.Matches("^[A-Za-z]*(IO|DirectoryNotFound)Exception: ", record.Message);

        var verbose = await TinyRuns.RunAsync([.. TinyRuns.RunArgs(TwoPoints, run, TinyRuns.TwoPointSettings), "--verbose"]);
        Assert.Equal(1, verbose.Code);
        Assert.Contains("   at ", verbose.Err); // the stack trace, only with --verbose
    }

    /// <summary>The file the injected full disk hits: the fit stage's table, so train and extract are done before it.</summary>
    private const string InjectedTarget = "/fit/fits.";

    [Fact]
    public async Task AnInjectedFullDiskFailsWithExit1NamingTheFileAndTheNextRunResumes()
    {
        // Runs everywhere, mount or not: the first write of fit/fits.* stops half-way with "No space left on device".
        using var scratch = new ScratchFolder();
        var run = scratch.File("run");
        var noSpace = new Dictionary<string, string> { ["REPALIGN_INJECT_NO_SPACE"] = InjectedTarget };
        var (failed, stage) = await FullThenResumedAsync(scratch, run,
            () => TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, run, TinyRuns.TwoPointSettings), environment: noSpace),
            () => Task.CompletedTask);
        Assert.Equal("fit", stage);
        Assert.Contains(Path.Combine(run, "fit", "fits."), failed.Err); // the very file, by its path
    }

    [Fact]
    public async Task AFullTmpfsFailsWithExit1NamingTheFileAndTheNextRunResumes()
    {
        using var scratch = new ScratchFolder();
        var mount = scratch.File("small-disk");
        Directory.CreateDirectory(mount);
        var mounted = await ChildProcess.RunAsync("mount", ["-t", "tmpfs", "-o", "size=512k", "tmpfs", mount], TimeSpan.FromSeconds(30));
        if (mounted.Code != 0)
        {
            // Not permitted here (no root, or a container without mount rights): the injected full disk above covers it.
            output.WriteLine($"disk full on tmpfs: mount not permitted ({mounted.Output.Trim()}); AnInjectedFullDisk… covers this machine");
            return;
        }
        try
        {
            var run = Path.Combine(mount, "run");
            await FullThenResumedAsync(scratch, run,
                () => TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, run, TinyRuns.TwoPointSettings)),
                async () =>
                {
                    var grown = await ChildProcess.RunAsync("mount", ["-o", "remount,size=64m", mount], TimeSpan.FromSeconds(30));
                    Assert.True(grown.Code == 0, grown.Output);
                });
        }
        finally
        {
            await ChildProcess.RunAsync("umount", [mount], TimeSpan.FromSeconds(30));
        }
    }

    /// <summary>
    /// A run whose disk fills (<paramref name="fullRun"/>) exits 1 naming a file of the run folder, leaves no temporary
    /// file and marks one stage failed; after <paramref name="makeRoom"/> the same run resumes (skipping what was done)
    /// to tables identical to an uninterrupted run. Returns the failed run and the failed stage.
    /// </summary>
    private async Task<((int Code, string Err, string Out) Failed, string Stage)> FullThenResumedAsync(
        ScratchFolder scratch, string run, Func<Task<(int Code, string Err, string Out)>> fullRun, Func<Task> makeRoom)
    {
        var reference = await TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, scratch.File("reference"), TinyRuns.TwoPointSettings));
        Assert.True(reference.Code == 0, reference.Err);

        var full = await fullRun();
        Assert.True(full.Code == 1, $"exit {full.Code}: {full.Err}{full.Out}");
        Assert.Contains("No space left on device", full.Err);
        Assert.Contains(run, full.Err); // the file being written, inside the run folder
        Assert.Single(full.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Empty(TinyRuns.TemporaryFiles(run));
        var failed = RunManifest.Read(Path.Combine(run, "run.json")).Stages.Single(s => s.Value.State == StageState.Failed);
        Assert.Contains("No space left on device", failed.Value.Message);
        output.WriteLine($"disk full: exit {full.Code}, stage {failed.Key} failed: {failed.Value.Message}");

        await makeRoom();
        var resumed = await TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, run, TinyRuns.TwoPointSettings));
        Assert.True(resumed.Code == 0, resumed.Err);
        Assert.Contains("skipped (up to date)", resumed.Out); // the stages finished before the disk filled are not redone
        Assert.Equal("", TinyRuns.Difference(TinyRuns.Tables(scratch.File("reference")), TinyRuns.Tables(run)));
        Assert.Empty(TinyRuns.TemporaryFiles(run));
        output.WriteLine($"disk full: resumed with exit 0, tables identical to an uninterrupted run, no temporary file left");
        return (full, failed.Key);
    }
}

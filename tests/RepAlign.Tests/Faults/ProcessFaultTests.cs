using System.Diagnostics;
using RepAlign.Core.Runs;
using Xunit.Abstractions;

namespace RepAlign.Tests.Faults;

/// <summary>
/// The real command line under faults: four processes on one folder, a full disk, an exception that is not RepAlign's
/// own (the kill harness, signals at random moments, is <see cref="KillHarnessTests"/>).
/// </summary>
[Collection("processes")]
public class ProcessFaultTests(ITestOutputHelper output)
{
    private static readonly string TwoPoints = TestPaths.Repo("pipelines", "two-points.toml");

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

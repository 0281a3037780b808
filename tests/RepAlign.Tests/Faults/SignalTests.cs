using System.Runtime.InteropServices;
using RepAlign.Core.Runs;
using Xunit.Abstractions;

namespace RepAlign.Tests.Faults;

/// <summary>
/// Signals to the real command line, each in a process of its own: SIGTERM and SIGINT are recorded as the running stage's
/// end (exit 143 and 130), its temporary files removed and the lock released; a second SIGINT ends it too. Runs on a
/// folder whose OS file lock is disabled (DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1, as on a filesystem without working
/// flock) still have one writer.
/// </summary>
[Collection("processes")]
public class SignalTests(ITestOutputHelper output)
{
    private static readonly string TwoPoints = TestPaths.Repo("pipelines", "two-points.toml");

    /// <summary>A two-point run whose training lasts long enough to be signalled in (tens of seconds).</summary>
    private static string[] LongRun(string folder) =>
        TinyRuns.RunArgs(TwoPoints, folder, ["model.depth=3", "model.width=16", "train.epochs=20000", "track.layers=[1]", "checkpoints.count=6"]);

    [Theory]
    [InlineData("TERM", PosixSignal.SIGTERM)]
    [InlineData("INT", PosixSignal.SIGINT)]
    public async Task ASignalMidStageIsRecordedAsItsEndWithTheSignalsExitCode(string name, PosixSignal signal)
    {
        using var scratch = new ScratchFolder();
        var folder = scratch.File("run");
        var hit = await KillRound.At(LongRun(folder), folder, "train", TimeSpan.FromSeconds(1), name, TimeSpan.FromMinutes(10));
        Assert.True(hit.Hit, "training ended before the signal");
        Assert.Equal(Termination.ExitCode(signal), hit.Code);
        var reason = Termination.Reason(signal);
        var errLines = hit.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(errLines);
        Assert.StartsWith($"error: {reason}; recorded as failed: stage 'train' in {Path.Combine(folder, "run.json")}", line);
        var train = RunManifest.Read(Path.Combine(folder, "run.json")).Stages["train"];
        Assert.Equal(StageState.Failed, train.State);
        Assert.Equal(reason, train.Message);
        Assert.True(train.Seconds > 0);
        Assert.Equal(StageState.Failed, StageStatus.Of(train, folder));
        Assert.Empty(TinyRuns.TemporaryFiles(folder));
        Assert.True(KillRound.Released(folder), "the holder file or the lock outlived the process");
        output.WriteLine($"SIG{name}: exit {hit.Code}; {line}");
    }

    [Fact]
    public async Task ASecondSigintEndsTheProcessWhateverTheFirstIsDoing()
    {
        using var scratch = new ScratchFolder();
        var folder = scratch.File("run");
        using var process = TinyRuns.Start(LongRun(folder));
        var err = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        while (KillRound.Running(folder) != "train" && !process.HasExited) await Task.Delay(5);
        KillRound.Send(process, "INT");
        KillRound.Send(process, "INT"); // at once: the first is still recording, or already done
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(cancel.Token);
        Assert.Equal(130, process.ExitCode);
        output.WriteLine($"two SIGINTs: exit 130; {(await err).Trim()}");
    }

    [Fact]
    public async Task FourRunsOnOneFolderWithoutWorkingFlockHaveOneWriterAndTheTablesOfOne()
    {
        using var scratch = new ScratchFolder();
        var single = await TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, scratch.File("single"), TinyRuns.TwoPointSettings));
        Assert.True(single.Code == 0, single.Err);

        // .NET takes no flock at all with this set (FileShare.None opens succeed twice): a filesystem where flock is
        // ignored, as Lustre without -o flock or BeeGFS with node-local locks across nodes. The holder file keeps the folder.
        var noFlock = new Dictionary<string, string> { ["DOTNET_SYSTEM_IO_DISABLEFILELOCKING"] = "1" };
        var shared = scratch.File("shared");
        var results = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => TinyRuns.RunAsync(TinyRuns.RunArgs(TwoPoints, shared, TinyRuns.TwoPointSettings), environment: noFlock)));
        Assert.All(results, r => Assert.True(r.Code == 0, r.Err));
        var ran = results.Where(r => r.Out.Contains("✓ train", StringComparison.Ordinal)).ToArray();
        Assert.Single(ran);
        foreach (var waited in results.Where(r => !ran.Contains(r)))
        {
            Assert.Contains("run folder in use by pid ", waited.Err);
            foreach (var stage in TinyRuns.StageNames("two-points.toml")) Assert.Contains($"{stage}: skipped (up to date)", waited.Out);
        }
        Assert.Equal("", TinyRuns.Difference(TinyRuns.Tables(scratch.File("single")), TinyRuns.Tables(shared)));
        Assert.True(KillRound.Released(shared));
        output.WriteLine("no flock: 4 processes, 1 wrote, 3 waited then skipped every stage; tables identical to a single run");
    }
}

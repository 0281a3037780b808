using System.Diagnostics;
using RepAlign.Core;
using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>One process per run folder: a kernel file lock, a wait that names the holder, --no-wait, and no lock outliving its process.</summary>
public class RunLockTests
{
    [Fact]
    public async Task ASecondHolderIsRefusedOrWaitsWithAMessageNamingTheHolder()
    {
        using var scratch = new ScratchFolder();
        var held = RunLock.Acquire(scratch.Path, wait: false);
        var holder = RunLock.Holder(scratch.Path);
        Assert.NotNull(holder);
        Assert.Equal(Environment.ProcessId, holder.Pid);

        var refused = Assert.Throws<BadInputException>(() => RunLock.Acquire(scratch.Path, wait: false));
        Assert.Contains($"pid {Environment.ProcessId}", refused.Message);
        Assert.Contains("--no-wait", refused.Message);

        var messages = new List<string>();
        var waiter = Task.Run(() => RunLock.Acquire(scratch.Path, wait: true, messages.Add));
        await Task.Delay(700);
        Assert.False(waiter.IsCompleted);
        held.Dispose();
        using var second = await waiter.WaitAsync(TimeSpan.FromSeconds(10));
        var message = Assert.Single(messages);
        Assert.Contains($"pid {Environment.ProcessId}", message);
        Assert.Contains("waiting", message);
    }

    [Fact]
    public void ALockLeftByAKilledProcessNeverBlocks()
    {
        using var scratch = new ScratchFolder();
        // flock(1) takes the same kernel lock (flock) that RunLock takes; exec leaves one process (sleep) holding it.
        var lockFile = Path.Combine(scratch.Path, RunLock.FileName);
        using var process = Process.Start(new ProcessStartInfo("bash", ["-c", $"exec 9>>'{lockFile}'; flock -x 9; exec sleep 60"]))!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (RunLock.Holder(scratch.Path) is null && DateTime.UtcNow < deadline) Thread.Sleep(50);
            Assert.NotNull(RunLock.Holder(scratch.Path));
            Assert.Throws<BadInputException>(() => RunLock.Acquire(scratch.Path, wait: false));
        }
        finally
        {
            process.Kill(entireProcessTree: true); // SIGKILL
            process.WaitForExit();
        }
        using var taken = RunLock.Acquire(scratch.Path, wait: false);
        Assert.Equal(Environment.ProcessId, RunLock.Holder(scratch.Path)!.Pid);
    }
}

using System.Diagnostics;
using System.Text.Json;
using RepAlign.Core;
using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>
/// The holder file beside the OS lock (what keeps a folder where flock does not exclude): one left by a gone process is
/// broken at once on its host; one held elsewhere is broken only after its heartbeat stood still for the staleness
/// limit; a holder whose file was broken knows it. The probe that decides whether flock excludes, and where flock is node-local.
/// </summary>
public class HolderFileTests
{
    private static readonly RunLockOptions Quick = new() { Heartbeat = TimeSpan.FromMilliseconds(50), StaleAfter = TimeSpan.FromMilliseconds(600), Poll = TimeSpan.FromMilliseconds(20) };

    /// <summary>Writes a holder file as <paramref name="holder"/> would have written it.</summary>
    private static string Plant(string folder, LockHolder holder)
    {
        var path = Path.Combine(folder, RunLock.HolderFileName);
        File.WriteAllText(path, JsonSerializer.Serialize(holder, RepAlignJson.Options));
        return path;
    }

    private static LockHolder Holder(ProcessStamp process, LockMode mode) =>
        new(process.Pid, "repalign run x.toml", DateTime.UtcNow.AddMinutes(-5)) { Process = process, Token = Guid.NewGuid().ToString("N"), Mode = mode };

    [Fact]
    public void AHolderFileOfAGoneProcessOnThisHostIsBrokenAtOnce()
    {
        using var scratch = new ScratchFolder();
        using var exited = Process.Start(new ProcessStartInfo("true"))!;
        exited.WaitForExit();
        var me = ProcessStamp.Current;
        // A process that ended, and this very pid with another start time (a pid reused after its holder ended).
        foreach (var gone in new[] { me with { Pid = exited.Id }, me with { StartTicks = me.StartTicks + 1 } })
        {
            Assert.False(gone.IsAlive());
            Plant(scratch.Path, Holder(gone, LockMode.ExclusiveFile));
            Assert.Null(RunLock.Holder(scratch.Path));
            using var taken = RunLock.Acquire(scratch.Path, wait: false, options: Quick);
            Assert.Equal(Environment.ProcessId, RunLock.Holder(scratch.Path)!.Pid);
        }
        Assert.True(me.IsAlive());
        Assert.Null(new ProcessStamp("another-host", 1, "", 0).IsAlive()); // cannot be known from here
    }

    [Fact]
    public void AHolderElsewhereWithALiveHeartbeatKeepsTheFolderAndOneWithoutIsBrokenAfterTheLimit()
    {
        using var scratch = new ScratchFolder();
        var elsewhere = Holder(new ProcessStamp("node-elsewhere", 4242, "boot", 77), LockMode.ExclusiveFile);
        var path = Plant(scratch.Path, elsewhere);

        var refused = Assert.Throws<BadInputException>(() => RunLock.Acquire(scratch.Path, wait: false, options: Quick));
        Assert.Contains("pid 4242 on node-elsewhere", refused.Message);
        Assert.Contains("heartbeat", refused.Message);

        // Its heartbeat moves (another node's holder at work): a waiter keeps waiting past the staleness limit. The beat
        // is a thread of its own, every 40 ms, against a limit of 1.5 s here: on the thread pool of a loaded test run it
        // once missed 600 ms, and the waiter rightly broke the file.
        var live = Quick with { StaleAfter = TimeSpan.FromSeconds(1.5) };
        using (var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3.5)))
        {
            var beating = new Thread(() =>
            {
                while (!cancel.IsCancellationRequested)
                {
                    File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
                    Thread.Sleep(40);
                }
            }) { IsBackground = true };
            beating.Start();
            Assert.ThrowsAny<OperationCanceledException>(() => RunLock.Acquire(scratch.Path, wait: true, cancellation: cancel.Token, options: live));
            beating.Join();
        }
        Assert.Equal(4242, RunLock.Holder(scratch.Path, Quick with { StaleAfter = TimeSpan.FromMinutes(1) })!.Pid);

        // Its heartbeat stands still: broken once the waiter has seen it still for StaleAfter, not before.
        var messages = new List<string>();
        var clock = Stopwatch.StartNew();
        using var taken = RunLock.Acquire(scratch.Path, wait: true, messages.Add, options: Quick);
        Assert.True(clock.Elapsed >= Quick.StaleAfter, $"broken after {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.Contains("pid 4242 on node-elsewhere", Assert.Single(messages));
        Assert.Equal(Environment.ProcessId, RunLock.Holder(scratch.Path)!.Pid);
    }

    [Fact]
    public void AFlockHoldersFileIsBrokenAtOnceWhereFlockExcludesAndIsFree()
    {
        using var scratch = new ScratchFolder();
        // Written by a holder on another node that trusted flock (or by an earlier version, which had no mode): its
        // flock would be held if it still ran, and here flock excludes and is free.
        Plant(scratch.Path, Holder(new ProcessStamp("node-elsewhere", 4242, "boot", 77), LockMode.Flock));
        File.WriteAllText(Path.Combine(scratch.Path, RunLock.FileName), "");
        using var taken = RunLock.Acquire(scratch.Path, wait: false, options: Quick);
        Assert.Equal(LockMode.Flock, taken.Mode); // this filesystem's flock excludes
        Assert.Equal(Environment.ProcessId, RunLock.Holder(scratch.Path)!.Pid);
    }

    [Fact]
    public async Task AHolderWhoseFileWasBrokenKnowsItHasLostTheFolder()
    {
        using var scratch = new ScratchFolder();
        using var held = RunLock.Acquire(scratch.Path, wait: false, options: Quick);
        Assert.False(held.Lost);
        File.Delete(Path.Combine(scratch.Path, RunLock.HolderFileName)); // what a breaker does to a suspended holder
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!held.Lost && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(held.Lost);
    }

    [Fact]
    public void FlockIsTrustedWhereASecondOpenIsRefusedAndNotOnNodeLocalMounts()
    {
        using var scratch = new ScratchFolder();
        var lockPath = scratch.File(RunLock.FileName);
        using (new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.True(FlockProbe.Excludes(lockPath)); // this process runs without DOTNET_SYSTEM_IO_DISABLEFILELOCKING
        }
        string[] mountinfo =
        [
            "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
            "40 22 0:40 / /lustre rw,relatime shared:20 - lustre 10.0.0.1@tcp:/fs rw,localflock,lazystatfs",
            "41 22 0:41 / /lustre2 rw,relatime shared:21 - lustre 10.0.0.1@tcp:/fs2 rw,flock,lazystatfs",
            "42 22 0:42 / /mnt/beegfs rw,relatime shared:22 - beegfs beegfs_nodev rw,cfgFile=/etc/beegfs/beegfs-client.conf",
            "43 22 0:43 / /home rw,relatime shared:23 - nfs4 server:/home rw,vers=4.2",
            "44 22 0:44 / /mnt/my\\040disk rw shared:24 - fuse.sshfs host:/ rw",
        ];
        Assert.Equal(("ext4", "rw,relatime,rw"), FlockProbe.Mount("/work/x", mountinfo));
        Assert.True(FlockProbe.IsNodeLocal(FlockProbe.Mount("/lustre/project/runs", mountinfo)));
        Assert.False(FlockProbe.IsNodeLocal(FlockProbe.Mount("/lustre2/project/runs", mountinfo)));
        Assert.True(FlockProbe.IsNodeLocal(FlockProbe.Mount("/mnt/beegfs/runs", mountinfo)));
        Assert.False(FlockProbe.IsNodeLocal(FlockProbe.Mount("/home/me/runs", mountinfo))); // NFS: the probe decides
        Assert.True(FlockProbe.IsNodeLocal(FlockProbe.Mount("/mnt/my disk/runs", mountinfo)));
        Assert.Equal("ext4", FlockProbe.Mount("/lustrex", mountinfo)!.Value.Type); // a prefix of a name is not its folder
    }
}

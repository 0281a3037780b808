using System.Collections.Concurrent;

namespace RepAlign.Core.Runs;

/// <summary>How <see cref="RunLock"/> keeps and judges holder files.</summary>
public sealed record RunLockOptions
{
    /// <summary>How often a holder touches its holder file (the heartbeat).</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A holder file whose heartbeat a waiter has seen stand still this long, held by a process it cannot see, is broken.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a waiting process looks again.</summary>
    public TimeSpan Poll { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>
/// One process at a time in a folder (a run, a sweep, a shard, a <c>fit --out</c> folder), by two means at once: an
/// OS file lock (flock) on <c>.repalign.lock</c>, which the kernel releases however the holder ends, and the holder
/// file <c>.repalign.lock.holder</c>, created with O_EXCL, naming the holder (host, pid, start time, command) and
/// touched every <see cref="RunLockOptions.Heartbeat"/>. Where <see cref="FlockProbe"/> finds that flock does not
/// exclude (disabled, refused, per process or per node), the holder file alone keeps the folder.
/// </summary>
/// <remarks>
/// A holder file left behind is broken (<see cref="HolderFile.Break"/>) only when its holder is known to be gone: on
/// this host, by its pid and start time (or a new boot); where flock excludes and the left file was written by a flock
/// holder, by the free flock; otherwise when a waiter has seen its heartbeat stand still for
/// <see cref="RunLockOptions.StaleAfter"/>. A holder whose file was broken (it was suspended that long) stops at its
/// next heartbeat, through <see cref="Termination"/> when the command line installed it.
/// </remarks>
public sealed class RunLock : IDisposable
{
    /// <summary>File name of the OS lock inside the folder.</summary>
    public const string FileName = ".repalign.lock";

    /// <summary>File name of the holder file inside the folder.</summary>
    public const string HolderFileName = ".repalign.lock.holder";

    private static readonly ConcurrentDictionary<RunLock, byte> HeldLocks = new();

    private readonly FileStream flock;
    private readonly string holderPath;
    private readonly LockHolder holder;
    private readonly Timer heartbeat;
    private readonly TextWriter? stopWith = Termination.InstalledError; // the command line's: a lost lock stops it
    private int released;

    private RunLock(string folder, FileStream flock, string holderPath, LockHolder holder, RunLockOptions options)
    {
        Folder = folder;
        this.flock = flock;
        this.holderPath = holderPath;
        this.holder = holder;
        heartbeat = new Timer(_ => Beat(), null, options.Heartbeat, options.Heartbeat);
    }

    /// <summary>The folder the lock guards.</summary>
    public string Folder { get; }

    /// <summary>How this lock keeps the folder (decided by <see cref="FlockProbe"/> when it was taken).</summary>
    public LockMode Mode => holder.Mode ?? LockMode.Flock;

    /// <summary>Whether the holder file was found broken by another process (this holder was suspended past the staleness limit).</summary>
    public bool Lost { get; private set; }

    /// <summary>
    /// Takes the folder's lock. When another process holds it: with <paramref name="wait"/>, calls <paramref name="waiting"/>
    /// once with a message naming the holder and polls until it is free; without, throws <see cref="BadInputException"/>
    /// (exit code 2) naming the holder.
    /// </summary>
    /// <param name="folder">The folder; created if missing.</param>
    /// <param name="wait">Wait for the holder (true) or fail at once (false, <c>--no-wait</c>).</param>
    /// <param name="waiting">Told once, when waiting starts.</param>
    /// <param name="cancellation">Stops the wait.</param>
    /// <param name="options">Heartbeat and staleness; null = the defaults.</param>
    /// <returns>The held lock; dispose to release it.</returns>
    public static RunLock Acquire(string folder, bool wait, Action<string>? waiting = null, CancellationToken cancellation = default,
        RunLockOptions? options = null)
    {
        options ??= new RunLockOptions();
        var root = Path.GetFullPath(folder);
        FileSync.CreateFolder(root);
        var lockPath = Path.Combine(root, FileName);
        var holderPath = Path.Combine(root, HolderFileName);
        var watch = new HolderFile.Watch();
        var told = false;
        while (true)
        {
            cancellation.ThrowIfCancellationRequested();
            LockHolder? holder;
            DateTime? beat;
            if (TryOpen(lockPath) is { } flock)
            {
                var mode = FlockProbe.Excludes(lockPath) ? LockMode.Flock : LockMode.ExclusiveFile;
                var me = new LockHolder(Environment.ProcessId, CommandLine(), DateTime.UtcNow)
                {
                    Process = ProcessStamp.Current, Token = Guid.NewGuid().ToString("N"), Mode = mode,
                };
                if (HolderFile.TryCreate(holderPath, me))
                {
                    var taken = new RunLock(root, flock, holderPath, me, options);
                    HeldLocks[taken] = 0;
                    return taken;
                }
                (holder, beat) = ReadSettled(holderPath, waitForFile: false, cancellation);
                var gone = beat is null || IsGone(holder, mode, watch.Unchanged(holder, beat), options);
                flock.Dispose();
                if (gone)
                {
                    if (beat is not null) HolderFile.Break(holderPath, holder, beat);
                    continue; // free now: take it
                }
            }
            else
            {
                (holder, beat) = ReadSettled(holderPath, waitForFile: true, cancellation);
            }
            var message = $"{root}: run folder in use by {Describe(holder, beat)}";
            if (!wait) Throw.BadInput($"{message}; --no-wait given, so not waiting (expected a folder no other run is using)");
            if (!told)
            {
                waiting?.Invoke($"{message}; waiting for it to finish (--no-wait exits instead)");
                told = true;
            }
            Task.Delay(options.Poll, cancellation).GetAwaiter().GetResult();
        }
    }

    /// <summary>Who holds the lock of <paramref name="folder"/> now, or null when nobody does (a holder file left by a gone process is ignored).</summary>
    public static LockHolder? Holder(string folder, RunLockOptions? options = null)
    {
        options ??= new RunLockOptions();
        var root = Path.GetFullPath(folder);
        var lockPath = Path.Combine(root, FileName);
        var holderPath = Path.Combine(root, HolderFileName);
        if (!File.Exists(lockPath) && !File.Exists(holderPath)) return null;
        var holder = HolderFile.Read(holderPath);
        using var flock = TryOpen(lockPath);
        if (flock is null) return holder ?? new LockHolder(0, "unknown", default);
        var beat = HolderFile.Heartbeat(holderPath);
        if (beat is null) return null;
        var mode = FlockProbe.Excludes(lockPath) ? LockMode.Flock : LockMode.ExclusiveFile;
        // No waiting here: the heartbeat's age by this machine's clock stands in for a watched heartbeat.
        var age = DateTime.UtcNow - beat.Value;
        return IsGone(holder, mode, age, options) ? null : holder ?? new LockHolder(0, "unknown (holder file unreadable)", beat.Value);
    }

    /// <summary>Whether this process holds the lock of <paramref name="folder"/>.</summary>
    public static bool HeldHere(string folder)
    {
        var root = Path.GetFullPath(folder);
        return HeldLocks.Keys.Any(l => string.Equals(l.Folder, root, StringComparison.Ordinal));
    }

    /// <summary>Releases the lock: the holder file is removed (if still this holding's), then the OS lock.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) != 0) return;
        heartbeat.Dispose();
        HolderFile.Remove(holderPath, holder.Token);
        flock.Dispose();
        HeldLocks.TryRemove(this, out _);
    }

    /// <summary>
    /// For a process about to exit (<see cref="Termination"/>): removes this process's temporary files (names with its
    /// pid) left in the folders it holds, outside their <c>shards</c> folders (each shard has its own lock), then
    /// releases every lock.
    /// </summary>
    internal static void ReleaseAllForExit()
    {
        foreach (var held in HeldLocks.Keys)
        {
            AtomicFile.RemoveMatching(held.Folder, $"*.tmp-{Environment.ProcessId}-*", recursive: true, "shards");
            held.Dispose();
        }
    }

    /// <summary>Whether the holder named in a holder file is gone, so the file may be broken (see the remarks on <see cref="RunLock"/>).</summary>
    private static bool IsGone(LockHolder? holder, LockMode myMode, TimeSpan unchanged, RunLockOptions options)
    {
        if (holder?.Process?.IsAlive() is { } alive) return !alive;
        // Earlier versions held the folder by flock alone: such a file, or a flock holder's, is stale when flock excludes and is free.
        if (holder is not null && myMode == LockMode.Flock && (holder.Mode ?? LockMode.Flock) == LockMode.Flock) return true;
        return unchanged >= options.StaleAfter;
    }

    private void Beat()
    {
        if (Volatile.Read(ref released) != 0 || HolderFile.Beat(holderPath, holder.Token)) return;
        Lost = true;
        heartbeat.Change(Timeout.Infinite, Timeout.Infinite);
        Termination.LockLost($"{Folder}: the run folder's lock was broken by another process (this one's heartbeat stood still over " +
                             "the staleness limit: was it suspended?); stopping so that two runs never write one folder", stopWith);
    }

    /// <summary>
    /// The holder file's holder and heartbeat. A holder writes its file just after taking the OS lock, and fills it just
    /// after creating it: an unreadable one is given a moment (up to 2 s) before it counts as unknown.
    /// </summary>
    /// <param name="holderPath">The holder file.</param>
    /// <param name="waitForFile">Also wait for a missing file (the OS lock is held by someone, who will write it).</param>
    /// <param name="cancellation">Stops the wait.</param>
    private static (LockHolder? Holder, DateTime? Beat) ReadSettled(string holderPath, bool waitForFile, CancellationToken cancellation)
    {
        var (holder, beat) = (HolderFile.Read(holderPath), HolderFile.Heartbeat(holderPath));
        for (var attempt = 0; holder is null && (beat is not null || waitForFile) && attempt < 40; attempt++)
        {
            Task.Delay(50, cancellation).GetAwaiter().GetResult();
            (holder, beat) = (HolderFile.Read(holderPath), HolderFile.Heartbeat(holderPath));
            if (beat is null && !waitForFile) break;
        }
        return (holder, beat);
    }

    private static FileStream? TryOpen(string path)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix and a share-none handle on Windows.
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Describe(LockHolder? holder, DateTime? beat)
    {
        if (holder is null) return "another process (holder not recorded yet)";
        var where = holder.Process is { } p ? $" on {p.Host}" : "";
        var heartbeat = beat is { } b ? $", heartbeat {Math.Max(0, (DateTime.UtcNow - b).TotalSeconds):F0} s ago" : "";
        return $"pid {holder.Pid}{where} ({holder.Command}), since {holder.SinceUtc:u}{heartbeat}";
    }

    private static string CommandLine()
    {
        var args = Environment.GetCommandLineArgs();
        if (args.Length > 0 && args[0].EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) args[0] = Path.GetFileNameWithoutExtension(args[0]);
        else if (args.Length > 0) args[0] = Path.GetFileName(args[0]);
        var text = string.Join(' ', args);
        return text.Length > 300 ? text[..300] + "…" : text;
    }
}

using System.Text.Json;

namespace RepAlign.Core.Runs;

/// <summary>Who holds a run folder's lock: what <see cref="RunLock"/> writes beside the lock file.</summary>
/// <param name="Pid">Process id of the holder.</param>
/// <param name="Command">Its command line.</param>
/// <param name="SinceUtc">When it took the lock.</param>
public sealed record LockHolder(int Pid, string Command, DateTime SinceUtc);

/// <summary>
/// One process at a time in a run folder: an exclusive OS file lock (flock on Linux, a share-none handle on Windows) on
/// <c>.repalign.lock</c>, which the kernel releases when the holding process ends, however it ends; a lock left by a
/// dead process therefore never blocks. The holder's pid and command line are in <c>.repalign.lock.holder</c>
/// (a second file: the locked one cannot be read by others) so a waiting run can say whom it waits for.
/// </summary>
public sealed class RunLock : IDisposable
{
    /// <summary>File name of the lock inside the folder.</summary>
    public const string FileName = ".repalign.lock";

    /// <summary>File name of the holder's description inside the folder.</summary>
    public const string HolderFileName = ".repalign.lock.holder";

    private readonly FileStream _stream;
    private readonly string _holderPath;

    private RunLock(FileStream stream, string holderPath)
    {
        _stream = stream;
        _holderPath = holderPath;
    }

    /// <summary>The folder the lock guards.</summary>
    public string Folder => Path.GetDirectoryName(_stream.Name)!;

    /// <summary>
    /// Takes the folder's lock. When another process holds it: with <paramref name="wait"/>, calls <paramref name="waiting"/>
    /// once with a message naming the holder and polls until it is free; without, throws <see cref="BadInputException"/>
    /// (exit code 2) naming the holder.
    /// </summary>
    /// <param name="folder">The run (or sweep) folder; created if missing.</param>
    /// <param name="wait">Wait for the holder (true) or fail at once (false, <c>--no-wait</c>).</param>
    /// <param name="waiting">Told once, when waiting starts.</param>
    /// <param name="cancellation">Stops the wait.</param>
    /// <returns>The held lock; dispose to release it.</returns>
    public static RunLock Acquire(string folder, bool wait, Action<string>? waiting = null, CancellationToken cancellation = default)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(Path.GetFullPath(folder), FileName);
        var holderPath = Path.Combine(Path.GetFullPath(folder), HolderFileName);
        var told = false;
        while (true)
        {
            if (TryOpen(path) is { } stream)
            {
                var me = new LockHolder(Environment.ProcessId, CommandLine(), DateTime.UtcNow);
                AtomicFile.WriteText(holderPath, JsonSerializer.Serialize(me, RepAlignJson.Options));
                return new RunLock(stream, holderPath);
            }
            // The holder writes its record just after taking the lock: give it a moment before saying it is unknown.
            var holder = ReadHolder(holderPath);
            for (var attempt = 0; holder is null && attempt < 40 && TryOpenProbe(path); attempt++)
            {
                Task.Delay(50, cancellation).GetAwaiter().GetResult();
                holder = ReadHolder(holderPath);
            }
            var message = $"{Path.GetFullPath(folder)}: run folder in use by {Describe(holder)}";
            if (!wait) Throw.BadInput($"{message}; --no-wait given, so not waiting (expected a folder no other run is using)");
            if (!told)
            {
                waiting?.Invoke($"{message}; waiting for it to finish (--no-wait exits instead)");
                told = true;
            }
            Task.Delay(200, cancellation).GetAwaiter().GetResult();
        }
    }

    /// <summary>Who holds the lock of <paramref name="folder"/> now, or null when nobody does.</summary>
    public static LockHolder? Holder(string folder)
    {
        var path = Path.Combine(Path.GetFullPath(folder), FileName);
        if (!File.Exists(path)) return null;
        using var probe = TryOpen(path);
        return probe is null ? ReadHolder(Path.Combine(Path.GetFullPath(folder), HolderFileName)) ?? new LockHolder(0, "unknown", default) : null;
    }

    /// <summary>Releases the lock (the kernel does the same when the process dies).</summary>
    public void Dispose()
    {
        try { File.Delete(_holderPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stream.Dispose();
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

    /// <summary>Whether the lock at <paramref name="path"/> is still held by someone else (it cannot be opened now).</summary>
    private static bool TryOpenProbe(string path)
    {
        using var probe = TryOpen(path);
        return probe is null;
    }

    private static LockHolder? ReadHolder(string path)
    {
        try { return JsonSerializer.Deserialize<LockHolder>(File.ReadAllText(path), RepAlignJson.Options); }
        catch (IOException) { return null; }
        catch (JsonException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static string Describe(LockHolder? holder) =>
        holder is null ? "another process (holder not recorded yet)" : $"pid {holder.Pid} ({holder.Command}), since {holder.SinceUtc:u}";

    private static string CommandLine()
    {
        var args = Environment.GetCommandLineArgs();
        if (args.Length > 0 && args[0].EndsWith(".dll", StringComparison.OrdinalIgnoreCase)) args[0] = Path.GetFileNameWithoutExtension(args[0]);
        else if (args.Length > 0) args[0] = Path.GetFileName(args[0]);
        var text = string.Join(' ', args);
        return text.Length > 300 ? text[..300] + "…" : text;
    }
}

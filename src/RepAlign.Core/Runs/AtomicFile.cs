using System.Collections.Concurrent;

namespace RepAlign.Core.Runs;

/// <summary>
/// Writes files whole or not at all, and durably: to a temporary name in the same folder, then <see cref="Commit"/>:
/// fsync the file, fsync its folder, rename, fsync the folder again. After a crash or a power loss a final name holds
/// the whole new file or the whole old one, never a truncated one.
/// </summary>
/// <remarks>
/// Every temporary file this process creates is remembered until it is committed or discarded, so that a terminated
/// process removes its own (<see cref="DiscardOwn"/>); once <see cref="Termination"/> has begun, no new one is created.
/// </remarks>
public static class AtomicFile
{
    private static readonly ConcurrentDictionary<string, byte> Open = new(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; readers never see a half-written file.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        FileSync.CreateFolder(Path.GetDirectoryName(full)!);
        var temp = TemporaryPath(full);
        try
        {
            using (var stream = CreateTemporary(temp, full, FileAccess.Write))
            {
                write(stream);
            }
            Commit(temp, full);
        }
        finally
        {
            Discard(temp);
        }
    }

    /// <summary>Writes bytes atomically.</summary>
    public static void WriteBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>Writes text (UTF-8) atomically.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s); w.Write(text); });

    /// <summary>
    /// A fresh temporary name beside <paramref name="fullPath"/> (same folder, so the final rename is atomic;
    /// unique per process and call), for writers that stream into the file over time and commit it themselves.
    /// </summary>
    public static string TemporaryPath(string fullPath) => $"{fullPath}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>
    /// Creates the temporary file <paramref name="temporaryPath"/> (a <see cref="TemporaryPath"/> of
    /// <paramref name="finalPath"/>) for writing; every writer of a final file opens its temporary file here, so a
    /// terminated process can remove it and a full disk can be injected for tests (<see cref="DiskFullInjection"/>).
    /// </summary>
    public static Stream CreateTemporary(string temporaryPath, string finalPath, FileAccess access)
    {
        while (true)
        {
            Termination.ParkIfStopping();
            lock (Termination.Gate)
            {
                if (Termination.Stopping) continue;
                var stream = new FileStream(temporaryPath, FileMode.CreateNew, access, FileShare.None, 1 << 16);
                Open[temporaryPath] = 0;
                return DiskFullInjection.Wrap(stream, finalPath);
            }
        }
    }

    /// <summary>
    /// Makes a closed temporary file the final one, durably: the file is synced to disk, then its folder (the
    /// temporary name's entry), then it is renamed over <paramref name="finalPath"/> and the folder is synced again
    /// (the new name). A reader, or the next run after a crash, sees the old file or the whole new one.
    /// </summary>
    public static void Commit(string temporaryPath, string finalPath)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(finalPath))!;
        FileSync.File(temporaryPath);
        FileSync.Folder(folder);
        File.Move(temporaryPath, finalPath, overwrite: true);
        Open.TryRemove(temporaryPath, out _);
        FileSync.Folder(folder);
    }

    /// <summary>Deletes a temporary file that will not be committed (nothing when it is gone already).</summary>
    public static void Discard(string temporaryPath)
    {
        try
        {
            if (File.Exists(temporaryPath)) File.Delete(temporaryPath);
        }
        finally
        {
            Open.TryRemove(temporaryPath, out _);
        }
    }

    /// <summary>
    /// Deletes every temporary file this process created and has not committed or discarded (a terminated run's);
    /// returns how many there were.
    /// </summary>
    internal static int DiscardOwn()
    {
        var removed = 0;
        foreach (var temp in Open.Keys)
        {
            try
            {
                if (File.Exists(temp)) { File.Delete(temp); removed++; }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            Open.TryRemove(temp, out _);
        }
        return removed;
    }

    /// <summary>
    /// Deletes the temporary files (<see cref="TemporaryPath"/> names) that a process killed mid-write left under
    /// <paramref name="folder"/>. Call it only while holding the folder's <see cref="RunLock"/>: then no live writer
    /// owns them. Folders named in <paramref name="skip"/> (relative to <paramref name="folder"/>) are left alone.
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    public static int RemoveLeftovers(string folder, bool recursive, params string[] skip) =>
        RemoveMatching(folder, "*.tmp-*", recursive, skip);

    /// <summary>Deletes the files matching <paramref name="pattern"/> under <paramref name="folder"/>, except in <paramref name="skip"/>.</summary>
    internal static int RemoveMatching(string folder, string pattern, bool recursive, params string[] skip)
    {
        if (!Directory.Exists(folder)) return 0;
        var root = Path.GetFullPath(folder);
        var skipped = skip.Select(s => Path.Combine(root, s) + Path.DirectorySeparatorChar).ToArray();
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(root, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            if (skipped.Any(s => file.StartsWith(s, StringComparison.Ordinal))) continue;
            try { File.Delete(file); removed++; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }
}

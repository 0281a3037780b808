using System.Diagnostics;

namespace RepAlign.Core.Runs;

/// <summary>
/// <c>fsync</c> of files and folders, so that what a commit renamed into place survives a node crash or a power loss:
/// a file's data reaches the disk before its new name does, and a folder's entries (a rename, a new subfolder) reach it
/// after. A filesystem that cannot sync a folder (it answers EINVAL, EROFS or ENOTSUP) is passed over; any other
/// failure (EIO, ENOSPC, EDQUOT: data that could not be written) is an <see cref="IOException"/> naming the path.
/// </summary>
public static class FileSync
{
    private static long calls;
    private static long ticks;

    /// <summary>Forces the file's data and metadata to disk.</summary>
    public static void File(string path) => Sync(path, isFolder: false);

    /// <summary>Forces the folder's entries (names created, renamed or removed in it) to disk.</summary>
    public static void Folder(string path) => Sync(path, isFolder: true);

    /// <summary>
    /// Creates <paramref name="path"/> and any missing parent, each new one made durable: the folder holding it is
    /// synced after it is created, so a committed file is never left in a folder that a crash forgets.
    /// </summary>
    public static void CreateFolder(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full)) return;
        var missing = new Stack<string>();
        for (var dir = full; dir is not null && !Directory.Exists(dir); dir = Path.GetDirectoryName(dir)) missing.Push(dir);
        Directory.CreateDirectory(full);
        foreach (var created in missing) Folder(Path.GetDirectoryName(created)!);
    }

    /// <summary>How many fsync calls this process made and the wall-clock time they took (for benchmarks; read-only).</summary>
    public static (long Calls, TimeSpan Time) Statistics => (Interlocked.Read(ref calls), TimeSpan.FromTicks(Interlocked.Read(ref ticks)));

    private static void Sync(string path, bool isFolder)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            if (Libc.Available) SyncLinux(path, isFolder);
            else if (!isFolder)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
                stream.Flush(flushToDisk: true);
            }
            // Elsewhere (Windows) a folder cannot be synced; a rename is journalled by NTFS.
        }
        finally
        {
            Interlocked.Increment(ref calls);
            Interlocked.Add(ref ticks, clock.Elapsed.Ticks);
        }
    }

    private static void SyncLinux(string path, bool isFolder)
    {
        var fd = Libc.Open(path, Libc.ORdOnly | Libc.OCloExec);
        if (fd < 0)
        {
            var (_, text) = Libc.LastError();
            throw new IOException($"{path}: cannot open it to sync it to disk ({text})");
        }
        try
        {
            if (Libc.Fsync(fd) == 0) return;
            var (errno, text) = Libc.LastError();
            if (isFolder && errno is Libc.EInval or Libc.ERofs or Libc.ENotSup) return;
            throw new IOException($"{path}: could not be written to disk (fsync: {text})");
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}

using System.Collections.Concurrent;

namespace RepAlign.Core.Runs;

/// <summary>
/// Content hashes of the files stages read: streamed SHA-256 (<see cref="Hashing.File"/>), cached by full path, size and
/// modification time, so a large input (a 50 MB IDX file) is hashed once per process however many stages and runs read it.
/// A file replaced behind the same path changes size or modification time and is hashed again.
/// </summary>
public static class ContentHashes
{
    /// <summary>The hash recorded for a declared input that does not exist (optional inputs).</summary>
    public const string Absent = "absent";

    private static readonly ConcurrentDictionary<(string Path, long Size, long Ticks), string> Cache = new();

    /// <summary>SHA-256 of the file's content, or <see cref="Absent"/> when there is no such file.</summary>
    public static string Of(string path)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        if (!info.Exists) return Absent;
        var key = (info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
        if (Cache.TryGetValue(key, out var known)) return known;
        string hash;
        try { hash = Hashing.File(info.FullName); }
        catch (FileNotFoundException) { return Absent; } // removed between the check and the read
        Cache[key] = hash;
        return hash;
    }

    /// <summary>Records a hash computed elsewhere (a stage that hashed its own output while writing it).</summary>
    public static void Remember(string path, string sha256)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        if (info.Exists) Cache[(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks)] = sha256;
    }

    /// <summary>Whether the file's current (path, size, modification time) has a cached hash; for tests.</summary>
    public static bool IsCached(string path)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        return info.Exists && Cache.ContainsKey((info.FullName, info.Length, info.LastWriteTimeUtc.Ticks));
    }

    /// <summary>How many distinct (path, size, modification time) entries are cached; for tests and benchmarks.</summary>
    public static int Count => Cache.Count;
}

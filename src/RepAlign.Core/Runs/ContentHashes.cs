namespace RepAlign.Core.Runs;

/// <summary>
/// Content hashes of the files stages read, through one process-wide <see cref="ContentHashCache"/>: streamed SHA-256,
/// cached by full path and <see cref="FileIdentity"/> (size, modification and change times, inode) in memory and, for
/// files of 1 MiB or more, in a cache file shared by every process (<see cref="ContentHashCache.DefaultDiskFile"/>), so a
/// 50 MB IDX file is hashed once, not once per run. A file replaced behind the same path is hashed again.
/// </summary>
public static class ContentHashes
{
    /// <summary>The hash recorded for a declared input that does not exist (optional inputs).</summary>
    public const string Absent = "absent";

    private static readonly Lazy<ContentHashCache> SharedCache = new(() => new ContentHashCache(ContentHashCache.DefaultDiskFile()));

    /// <summary>The process-wide cache (its cache file is chosen at first use).</summary>
    public static ContentHashCache Shared => SharedCache.Value;

    /// <summary>SHA-256 of the file's content, or <see cref="Absent"/> when there is no such file.</summary>
    public static string Of(string path) => Shared.Of(path);

    /// <summary>SHA-256 of the file's content read now, trusting no cache (<c>--rehash</c>); the cached hash is replaced.</summary>
    public static string Rehash(string path) => Shared.Rehash(path);

    /// <summary>Records a hash computed elsewhere (a stage that hashed its own output while writing it).</summary>
    public static void Remember(string path, string sha256) => Shared.Remember(path, sha256);

    /// <summary>Whether the file's current (path, identity) has a cached hash in memory; for tests.</summary>
    public static bool IsCached(string path) => Shared.IsCached(path);

    /// <summary>How many distinct (path, identity) entries are in memory; for tests and benchmarks.</summary>
    public static int Count => Shared.Count;
}

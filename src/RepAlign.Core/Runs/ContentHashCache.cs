using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace RepAlign.Core.Runs;

/// <summary>
/// Content hashes (streamed SHA-256, <see cref="Hashing.File"/>) keyed by full path and <see cref="FileIdentity"/>
/// (size, modification and change times in nanoseconds, inode): in memory for every file, and for files of at least
/// <see cref="MinDiskBytes"/> also in a cache file shared by every process (<see cref="DiskFile"/>), so a 50 MB IDX
/// file is hashed once, not once per <c>repalign run</c>. A file replaced behind the same path (a new inode and change
/// time, even with size and modification time kept, as <c>rsync -a</c> leaves it) or rewritten in place (a new change
/// time) has another key and is hashed again; a file on a filesystem without lasting inode numbers is hashed every time.
/// </summary>
/// <remarks>
/// The cache file never fails a run: unreadable, corrupt or partial lines are ignored (each line carries a check of its
/// own fields), and a cache that cannot be written is skipped. Writes are whole-file (<see cref="AtomicFile"/>), so
/// processes writing at once never leave a torn file; the last writer wins and an entry another process added in
/// between may be lost (it is hashed again next time). Each write keeps only entries whose file still has the recorded
/// identity, at most <see cref="MaxDiskEntries"/> of them. A file changed (by its change time, which nobody can set
/// back) less than <see cref="SettleTime"/> before it was hashed is not written to the cache file: a rewrite within
/// one tick of a coarse filesystem clock could share its timestamps. It is cached in memory and persisted by a later run.
/// </remarks>
/// <param name="diskFile">The cache file shared by processes, or null for a cache in memory only.</param>
/// <param name="identify">Reads a file's identity (null: no such file); <see cref="FileIdentity.Of"/> unless a test gives another.</param>
/// <param name="settleTime">Replaces <see cref="SettleTime"/> (tests of the cache file use zero).</param>
public sealed class ContentHashCache(string? diskFile, Func<string, FileIdentity?>? identify = null, TimeSpan? settleTime = null)
{
    /// <summary>Files smaller than this (1 MiB) are cached in memory only: hashing them costs about as much as reading and rewriting the cache file.</summary>
    public const long MinDiskBytes = 1 << 20;

    /// <summary>The most entries the cache file keeps (the newest).</summary>
    public const int MaxDiskEntries = 2048;

    /// <summary>A file changed this recently when hashed is not persisted: a same-size rewrite could still share its timestamps.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    private readonly Func<string, FileIdentity?> identify = identify ?? FileIdentity.Of;
    private readonly TimeSpan settle = settleTime ?? SettleTime;
    private readonly ConcurrentDictionary<ContentHashLine.Key, string> memory = new();
    private readonly Lock diskGate = new();
    private bool loaded;
    private int filesHashed;
    private long ticks;

    /// <summary>The cache file shared by processes, or null for a cache in memory only.</summary>
    public string? DiskFile { get; } = diskFile is null ? null : Path.GetFullPath(diskFile);

    /// <summary>How many files this cache has read and hashed (not served from memory or disk); for tests and benchmarks.</summary>
    public int FilesHashed => Volatile.Read(ref filesHashed);

    /// <summary>Wall-clock time spent in <see cref="Of"/> and <see cref="Rehash"/> (identity checks, cache file, hashing); for benchmarks.</summary>
    public TimeSpan TimeSpent => TimeSpan.FromTicks(Interlocked.Read(ref ticks));

    /// <summary>How many (path, identity) entries are in memory, loaded ones included.</summary>
    public int Count => memory.Count;

    /// <summary>
    /// The cache file of <see cref="ContentHashes"/>: <c>$REPALIGN_HASH_CACHE</c> when set (<c>off</c>: none), else
    /// <c>content-hashes.tsv</c> in <see cref="CacheFolder.Root"/>.
    /// </summary>
    public static string? DefaultDiskFile()
    {
        var own = Environment.GetEnvironmentVariable("REPALIGN_HASH_CACHE");
        if (string.Equals(own, "off", StringComparison.OrdinalIgnoreCase)) return null;
        if (!string.IsNullOrEmpty(own)) return own;
        var root = CacheFolder.Root;
        return root is null ? null : Path.Combine(root, "content-hashes.tsv");
    }

    /// <summary>SHA-256 of the file's content, or <see cref="ContentHashes.Absent"/> when there is no such file.</summary>
    public string Of(string path) => Timed(() => Hash(Path.GetFullPath(path), trustCache: true));

    /// <summary>
    /// SHA-256 of the file's content read now, trusting no cached hash (<c>--rehash</c>); the result replaces the cached
    /// one. <see cref="ContentHashes.Absent"/> when there is no such file.
    /// </summary>
    public string Rehash(string path) => Timed(() => Hash(Path.GetFullPath(path), trustCache: false));

    /// <summary>Records a hash computed elsewhere (a stage that hashed its own output while writing it), in memory.</summary>
    public void Remember(string path, string sha256)
    {
        var full = Path.GetFullPath(path);
        if (identify(full) is { Stable: true } id) memory[new ContentHashLine.Key(full, id)] = sha256;
    }

    /// <summary>Whether the file's current (path, identity) has a hash in memory; for tests.</summary>
    public bool IsCached(string path)
    {
        var full = Path.GetFullPath(path);
        return identify(full) is { } id && memory.ContainsKey(new ContentHashLine.Key(full, id));
    }

    private string Timed(Func<string> work)
    {
        var clock = Stopwatch.StartNew();
        try { return work(); }
        finally { Interlocked.Add(ref ticks, clock.Elapsed.Ticks); }
    }

    private string Hash(string full, bool trustCache)
    {
        if (identify(full) is not { } id) return ContentHashes.Absent;
        var key = new ContentHashLine.Key(full, id);
        var persist = id.Stable && DiskFile is not null && id.Size >= MinDiskBytes && !full.AsSpan().ContainsAny('\n', '\r');
        if (trustCache && id.Stable)
        {
            if (memory.TryGetValue(key, out var known)) return known;
            if (persist)
            {
                LoadOnce();
                if (memory.TryGetValue(key, out known)) return known;
            }
        }
        var before = DateTime.UtcNow;
        string hash;
        try { hash = Hashing.File(full); }
        catch (FileNotFoundException) { return ContentHashes.Absent; } // removed between the check and the read
        Interlocked.Increment(ref filesHashed);
        if (!id.Stable || identify(full) != id) return hash; // changed while read, or no lasting identity: nothing to cache
        memory[key] = hash;
        if (persist && before - id.LastChangeUtc >= settle) Persist(key, hash);
        return hash;
    }

    private void LoadOnce()
    {
        lock (diskGate)
        {
            if (loaded) return;
            loaded = true;
            foreach (var (key, hash) in ReadDisk()) memory.TryAdd(key, hash);
        }
    }

    /// <summary>Adds one entry to the cache file: the file as it is now, merged, pruned and rewritten whole.</summary>
    private void Persist(ContentHashLine.Key key, string hash)
    {
        lock (diskGate)
        {
            try
            {
                var entries = ReadDisk().Where(e => e.Key != key && e.Key.Path != key.Path).Append((Key: key, Hash: hash))
                    .Where(e => e.Key == key || Current(e.Key)).TakeLast(MaxDiskEntries);
                var text = new StringBuilder(ContentHashLine.Header).Append('\n');
                foreach (var (k, h) in entries) text.Append(ContentHashLine.Format(k, h)).Append('\n');
                AtomicFile.WriteText(DiskFile!, text.ToString());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                // A cache that cannot be written (read-only home, a full disk) costs a re-hash next time, never the run.
            }
        }
    }

    /// <summary>Whether the file at the entry's path still has its identity.</summary>
    private bool Current(ContentHashLine.Key key)
    {
        try
        {
            return identify(key.Path) == key.Identity;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>The valid entries of the cache file in file order; nothing when it is missing, unreadable or too large.</summary>
    private List<(ContentHashLine.Key Key, string Hash)> ReadDisk()
    {
        var entries = new List<(ContentHashLine.Key Key, string Hash)>();
        try
        {
            var info = new FileInfo(DiskFile!);
            if (!info.Exists || info.Length > ContentHashLine.MaxFileBytes) return entries;
            foreach (var line in File.ReadLines(info.FullName))
            {
                if (ContentHashLine.Parse(line) is { } entry) entries.Add(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            entries.Clear(); // half a read is no better than none
        }
        return entries;
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace RepAlign.Core.Runs;

/// <summary>
/// Content hashes (streamed SHA-256, <see cref="Hashing.File"/>) keyed by full path, size and modification time (UTC
/// ticks): in memory for every file, and for files of at least <see cref="MinDiskBytes"/> also in a cache file shared by
/// every process (<see cref="DiskFile"/>), so a 50 MB IDX file is hashed once, not once per <c>repalign run</c>.
/// A file replaced behind the same path has another size or modification time, so another key, and is hashed again.
/// Known limit: content changed while both size and modification time are kept (restored with <c>touch -d</c>, or
/// rewritten within one tick of a coarse file-system clock) is served the old hash; the disk cache narrows the second
/// case by never persisting a file modified less than <see cref="SettleTime"/> before it was hashed.
/// </summary>
/// <remarks>
/// The cache file never fails a run: unreadable, corrupt or partial lines are ignored (each line carries a check of its
/// own fields), and a cache that cannot be written is skipped. Writes are whole-file (<see cref="AtomicFile"/>: temp +
/// rename), so processes writing at once never leave a torn file; the last writer wins and an entry another process
/// added in between may be lost (it is hashed again next time). Each write keeps only entries whose file still has
/// the recorded size and time, at most <see cref="MaxDiskEntries"/> of them.
/// </remarks>
public sealed class ContentHashCache(string? diskFile)
{
    /// <summary>Files smaller than this (1 MiB) are cached in memory only: hashing them costs about as much as reading and rewriting the cache file.</summary>
    public const long MinDiskBytes = 1 << 20;

    /// <summary>The most entries the cache file keeps (the newest).</summary>
    public const int MaxDiskEntries = 2048;

    /// <summary>A file modified this recently when hashed is not persisted: a same-size rewrite could still share its timestamp.</summary>
    public static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);

    private const string Header = "# repalign content hashes v1: check, size, mtime ticks (UTC), sha256, full path";
    private const long MaxDiskFileBytes = 16 << 20;

    private readonly ConcurrentDictionary<Key, string> memory = new();
    private readonly Lock diskGate = new();
    private bool loaded;
    private int filesHashed;

    /// <summary>The cache file shared by processes, or null for a cache in memory only.</summary>
    public string? DiskFile { get; } = diskFile is null ? null : Path.GetFullPath(diskFile);

    /// <summary>How many files this cache has read and hashed (not served from memory or disk); for tests and benchmarks.</summary>
    public int FilesHashed => Volatile.Read(ref filesHashed);

    /// <summary>How many (path, size, modification time) entries are in memory, loaded ones included.</summary>
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
    public string Of(string path)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        if (!info.Exists) return ContentHashes.Absent;
        var key = Key.Of(info);
        if (memory.TryGetValue(key, out var known)) return known;
        var persist = DiskFile is not null && key.Size >= MinDiskBytes && !key.Path.AsSpan().ContainsAny('\n', '\r');
        if (persist)
        {
            LoadOnce();
            if (memory.TryGetValue(key, out known)) return known;
        }
        var before = DateTime.UtcNow;
        string hash;
        try { hash = Hashing.File(info.FullName); }
        catch (FileNotFoundException) { return ContentHashes.Absent; } // removed between the check and the read
        Interlocked.Increment(ref filesHashed);
        info.Refresh();
        if (!info.Exists || Key.Of(info) != key) return hash; // changed while read: the hash belongs to no stable key
        memory[key] = hash;
        if (persist && before - info.LastWriteTimeUtc >= SettleTime) Persist(key, hash);
        return hash;
    }

    /// <summary>Records a hash computed elsewhere (a stage that hashed its own output while writing it), in memory.</summary>
    public void Remember(string path, string sha256)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        if (info.Exists) memory[Key.Of(info)] = sha256;
    }

    /// <summary>Whether the file's current (path, size, modification time) has a hash in memory; for tests.</summary>
    public bool IsCached(string path)
    {
        var info = new FileInfo(Path.GetFullPath(path));
        return info.Exists && memory.ContainsKey(Key.Of(info));
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
    private void Persist(Key key, string hash)
    {
        lock (diskGate)
        {
            try
            {
                var entries = ReadDisk().Where(e => e.Key != key && e.Key.Path != key.Path).Append((Key: key, Hash: hash))
                    .Where(e => e.Key == key || Current(e.Key)).TakeLast(MaxDiskEntries);
                var text = new StringBuilder(Header).Append('\n');
                foreach (var (k, h) in entries) text.Append(Line(k, h)).Append('\n');
                AtomicFile.WriteText(DiskFile!, text.ToString());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                // A cache that cannot be written (read-only home, a full disk) costs a re-hash next time, never the run.
            }
        }
    }

    /// <summary>Whether the file at the entry's path still has its size and modification time.</summary>
    private static bool Current(Key key)
    {
        try
        {
            var info = new FileInfo(key.Path);
            return info.Exists && Key.Of(info) == key;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>The valid entries of the cache file in file order; nothing when it is missing, unreadable or too large.</summary>
    private List<(Key Key, string Hash)> ReadDisk()
    {
        var entries = new List<(Key Key, string Hash)>();
        try
        {
            var info = new FileInfo(DiskFile!);
            if (!info.Exists || info.Length > MaxDiskFileBytes) return entries;
            foreach (var line in File.ReadLines(info.FullName))
            {
                if (Parse(line) is { } entry) entries.Add(entry);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            entries.Clear(); // half a read is no better than none
        }
        return entries;
    }

    /// <summary>One line: a check of the other fields (8 hex digits of their SHA-256), size, ticks, hash and path.</summary>
    internal static string Line(Key key, string hash)
    {
        var fields = string.Create(CultureInfo.InvariantCulture, $"{key.Size}\t{key.Ticks}\t{hash}\t{key.Path}");
        return $"{Hashing.Text(fields)[..8]}\t{fields}";
    }

    /// <summary>The entry a line holds, or null for anything else (a header, a torn or altered line).</summary>
    internal static (Key Key, string Hash)? Parse(string line)
    {
        var parts = line.Split('\t', 5);
        if (parts.Length != 5 || parts[0].Length != 8) return null;
        var fields = line[(parts[0].Length + 1)..];
        if (!string.Equals(Hashing.Text(fields)[..8], parts[0], StringComparison.Ordinal)) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return null;
        if (!long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return null;
        if (parts[3].Length != 64 || !parts[3].All(char.IsAsciiHexDigitLower) || !Path.IsPathFullyQualified(parts[4])) return null;
        return (new Key(parts[4], size, ticks), parts[3]);
    }

    /// <summary>What a hash is cached under: full path, size in bytes, last write time in UTC ticks.</summary>
    internal readonly record struct Key(string Path, long Size, long Ticks)
    {
        public static Key Of(FileInfo info) => new(info.FullName, info.Length, info.LastWriteTimeUtc.Ticks);
    }
}

using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>
/// The content-hash cache file: a fresh cache (a new process) reads hashes instead of hashing again, changed files are
/// hashed again, a corrupt cache file is ignored, writers at once never tear it. Each test has its own cache file; files
/// count as settled at once (settle time zero) except where the settle rule is the subject.
/// </summary>
public class ContentHashCacheTests
{
    private static readonly DateTime AnHourAgo = DateTime.UtcNow.AddHours(-1);

    /// <summary>A file of <paramref name="size"/> seeded bytes, last written an hour ago (settled).</summary>
    private static string Write(string path, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, AnHourAgo);
        return path;
    }

    /// <summary>A cache as a new process has it, on <paramref name="cacheFile"/>, with every file settled.</summary>
    private static ContentHashCache Fresh(string cacheFile) => new(cacheFile, settleTime: TimeSpan.Zero);

    [Fact]
    public void AFreshCacheServesTheHashFromTheCacheFileWithoutReadingTheFile()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("cache/content-hashes.tsv");
        var data = Write(scratch.File("images.idx"), 2 << 20, seed: 1);
        var expected = Hashing.File(data);

        var first = Fresh(cacheFile);
        Assert.Equal(expected, first.Of(data));
        Assert.Equal(1, first.FilesHashed);
        Assert.True(File.Exists(cacheFile));

        var second = Fresh(cacheFile); // what a new `repalign run` starts with
        Assert.Equal(expected, second.Of(data));
        Assert.Equal(0, second.FilesHashed);

        // Content changed in place with size and modification time restored (touch -d): the change time, which no
        // user can set back, moved, so the entry no longer applies. (Before the key held the change time and the
        // inode, this was the cache's known limit: the old hash was served.)
        var bytes = File.ReadAllBytes(data);
        bytes[12345] ^= 0xFF;
        File.WriteAllBytes(data, bytes);
        File.SetLastWriteTimeUtc(data, AnHourAgo);
        var third = Fresh(cacheFile);
        Assert.NotEqual(expected, third.Of(data));
        Assert.Equal(Hashing.File(data), third.Of(data));
        Assert.Equal(1, third.FilesHashed);
    }

    [Fact]
    public void AFileWithAnotherSizeOrModificationTimeIsHashedAgain()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var data = Write(scratch.File("images.idx"), 2 << 20, seed: 2);
        var original = Fresh(cacheFile).Of(data);

        Write(data, (2 << 20) + 1, seed: 3); // another size, the same time
        var resized = Fresh(cacheFile);
        Assert.Equal(Hashing.File(data), resized.Of(data));
        Assert.NotEqual(original, resized.Of(data));
        Assert.Equal(1, resized.FilesHashed);

        Write(data, 2 << 20, seed: 4); // the original size, another time
        File.SetLastWriteTimeUtc(data, AnHourAgo.AddSeconds(1));
        var retimed = Fresh(cacheFile);
        Assert.Equal(Hashing.File(data), retimed.Of(data));
        Assert.Equal(1, retimed.FilesHashed);

        // The cache file keeps one entry per path: the current one.
        Assert.Single(File.ReadAllLines(cacheFile), l => l.Contains(data, StringComparison.Ordinal));
    }

    [Fact]
    public void ACorruptOrPartialCacheFileIsIgnoredLineByLine()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var a = Write(scratch.File("a.idx"), 2 << 20, seed: 5);
        var b = Write(scratch.File("b.idx"), 2 << 20, seed: 6);
        var cache = Fresh(cacheFile);
        cache.Of(a);
        cache.Of(b);
        var lines = File.ReadAllLines(cacheFile);
        var lineA = Assert.Single(lines, l => l.EndsWith(a, StringComparison.Ordinal));
        var lineB = Assert.Single(lines, l => l.EndsWith(b, StringComparison.Ordinal));

        // a's entry altered to a wrong hash that still looks like one; b's entry torn in the middle; noise around them.
        var wrong = new string('0', 64);
        var f = lineA.Split('\t');
        Assert.Equal(7, f.Length); // check, size, mtime ns, ctime ns, inode, sha256, path
        var altered = string.Join('\t', f[0], f[1], f[2], f[3], f[4], wrong, f[6]);
        var garbage = new byte[300];
        new Random(7).NextBytes(garbage);
        File.WriteAllText(cacheFile, "not a cache\n" + altered + "\n\t\t\t\t\t\t\n" + System.Text.Encoding.Latin1.GetString(garbage) + "\n" + lineB[..40]);
        var reader = Fresh(cacheFile);
        Assert.Equal(Hashing.File(a), reader.Of(a)); // the altered line fails its check: hashed, not served 000…
        Assert.Equal(Hashing.File(b), reader.Of(b));
        Assert.Equal(2, reader.FilesHashed);
        Assert.DoesNotContain(File.ReadAllLines(cacheFile), l => l.Contains(wrong, StringComparison.Ordinal)); // rewritten clean

        // A cache file that cannot be read or written (a folder in its place) costs a hash, never an error.
        var blocked = scratch.File("blocked");
        Directory.CreateDirectory(blocked);
        var noCache = Fresh(blocked);
        Assert.Equal(Hashing.File(a), noCache.Of(a));
        Assert.Equal(1, noCache.FilesHashed);
    }

    [Fact]
    public void SmallAndJustWrittenFilesStayOutOfTheCacheFile()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var small = Write(scratch.File("labels.idx"), (int)ContentHashCache.MinDiskBytes - 1, seed: 8);
        var fresh = scratch.File("fresh.idx");
        File.WriteAllBytes(fresh, new byte[ContentHashCache.MinDiskBytes]); // changed now: not settled
        var cache = new ContentHashCache(cacheFile); // the real settle time (2 s)
        Assert.Equal(Hashing.File(small), cache.Of(small));
        Assert.Equal(Hashing.File(fresh), cache.Of(fresh));
        Assert.True(cache.IsCached(small) && cache.IsCached(fresh)); // both in memory
        Assert.False(File.Exists(cacheFile));
    }

    [Fact]
    public async Task CachesWritingAtOnceLeaveAWholeCacheFile()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var files = Enumerable.Range(0, 8).Select(i => Write(scratch.File($"f{i}.idx"), 1 << 20, seed: 10 + i)).ToArray();
        // Separate caches share nothing in memory, as separate processes: every write races on the one file.
        await Task.WhenAll(files.Select(f => Task.Run(() => Fresh(cacheFile).Of(f))));

        var lines = File.ReadAllLines(cacheFile);
        Assert.StartsWith("# repalign content hashes", lines[0]);
        Assert.NotEmpty(lines[1..]); // last writer wins: at least its own entry
        var reader = Fresh(cacheFile);
        foreach (var f in files) Assert.Equal(Hashing.File(f), reader.Of(f));
        Assert.Equal(files.Length - (lines.Length - 1), reader.FilesHashed); // every line was whole and served
        Assert.Empty(Directory.EnumerateFiles(scratch.Path, "*.tmp-*"));
    }
}

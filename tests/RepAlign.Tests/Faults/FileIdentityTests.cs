using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>
/// Data identity as DVC keys it, then stronger: size, modification and change times in nanoseconds and the inode. A file
/// replaced as <c>rsync -a</c> or <c>tar x</c> replaces it (a new file of the same size with the same modification time,
/// renamed over the old) is hashed again; a filesystem without lasting inodes gets no caching at all.
/// </summary>
public class FileIdentityTests
{
    private static readonly DateTime Old = new(2020, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    /// <summary>Seeded bytes at <paramref name="path"/>, modification time <see cref="Old"/>.</summary>
    private static byte[] Write(string path, int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, Old);
        return bytes;
    }

    /// <summary>What <c>rsync -a</c> does: the new content into a temporary file, its modification time set to the old one's, renamed over it.</summary>
    internal static void ReplaceAsRsyncDoes(string path, byte[] content)
    {
        var mtime = File.GetLastWriteTimeUtc(path);
        var temp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".rsync-tmp");
        File.WriteAllBytes(temp, content);
        File.SetLastWriteTimeUtc(temp, mtime);
        File.Move(temp, path, overwrite: true);
    }

    [Fact]
    public void TheIdentityOfAFileIsItsSizeTimesAndInode()
    {
        using var scratch = new ScratchFolder();
        var path = scratch.File("a.bin");
        Write(path, 1000, seed: 1);
        var id = FileIdentity.Of(path);
        Assert.NotNull(id);
        Assert.Equal(1000, id.Value.Size);
        Assert.Equal((Old - DateTime.UnixEpoch).Ticks * 100, id.Value.MtimeNs);
        Assert.NotEqual(0UL, id.Value.Inode);
        Assert.True(id.Value.CtimeNs > id.Value.MtimeNs); // the change time is now, whatever the modification time says
        Assert.True(id.Value.Stable, "the test folder's filesystem keeps inode numbers");
        Assert.Null(FileIdentity.Of(scratch.File("missing")));
        Assert.Null(FileIdentity.Of(scratch.Path)); // a folder is no file
    }

    [Fact]
    public void AFileReplacedWithTheSameSizeAndModificationTimeIsHashedAgain()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var path = scratch.File("train-images-idx3-ubyte");
        var bytes = Write(path, 2 << 20, seed: 2);
        var before = FileIdentity.Of(path)!.Value;
        var old = new ContentHashCache(cacheFile, settleTime: TimeSpan.Zero).Of(path);

        bytes[4096] ^= 0x5A; // one "image" changed
        ReplaceAsRsyncDoes(path, bytes);
        var after = FileIdentity.Of(path)!.Value;
        Assert.Equal((before.Size, before.MtimeNs), (after.Size, after.MtimeNs)); // what a (path, size, mtime) key sees: nothing
        Assert.NotEqual(before.Inode, after.Inode);

        var next = new ContentHashCache(cacheFile, settleTime: TimeSpan.Zero); // the next run's process
        Assert.Equal(Hashing.File(path), next.Of(path));
        Assert.NotEqual(old, next.Of(path));
        Assert.Equal(1, next.FilesHashed);
    }

    [Fact]
    public void ATouchedFileIsHashedAgainToTheSameHash()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var path = scratch.File("data.bin");
        Write(path, 2 << 20, seed: 3);
        var first = new ContentHashCache(cacheFile, settleTime: TimeSpan.Zero).Of(path);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow); // touch
        var next = new ContentHashCache(cacheFile, settleTime: TimeSpan.Zero);
        Assert.Equal(first, next.Of(path));
        Assert.Equal(1, next.FilesHashed);
        Assert.Equal(first, new ContentHashCache(cacheFile, settleTime: TimeSpan.Zero).Of(path)); // and cached again
    }

    [Fact]
    public void OnAFilesystemWithoutLastingInodesEveryRequestHashes()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var path = scratch.File("data.bin");
        Write(path, 2 << 20, seed: 4);
        // What FileIdentity.Of reports on FUSE, SMB, 9p or FAT: the same tuple, not stable.
        var cache = new ContentHashCache(cacheFile, p => FileIdentity.Of(p) is { } id ? id with { Stable = false } : null, TimeSpan.Zero);
        Assert.Equal(Hashing.File(path), cache.Of(path));
        Assert.Equal(Hashing.File(path), cache.Of(path));
        Assert.Equal(2, cache.FilesHashed);
        Assert.False(cache.IsCached(path));
        Assert.False(File.Exists(cacheFile));

        Assert.False(FileIdentity.IsStableType(0x65735546)); // FUSE
        Assert.False(FileIdentity.IsStableType(unchecked((int)0xFF534D42))); // CIFS, as a sign-extended f_type
        Assert.True(FileIdentity.IsStableType(0xEF53)); // ext2/3/4
    }

    [Fact]
    public void RehashReadsTheFileWhateverTheCacheHolds()
    {
        using var scratch = new ScratchFolder();
        var cacheFile = scratch.File("content-hashes.tsv");
        var path = scratch.File("data.bin");
        Write(path, 2 << 20, seed: 5);
        new ContentHashCache(cacheFile, settleTime: TimeSpan.Zero).Of(path);
        var cache = new ContentHashCache(cacheFile, settleTime: TimeSpan.Zero);
        Assert.Equal(Hashing.File(path), cache.Of(path));
        Assert.Equal(0, cache.FilesHashed); // served from the cache file
        Assert.Equal(Hashing.File(path), cache.Rehash(path));
        Assert.Equal(1, cache.FilesHashed); // --rehash read it
    }
}

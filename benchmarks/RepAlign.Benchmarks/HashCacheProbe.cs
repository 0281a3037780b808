using System.Diagnostics;
using System.Globalization;
using RepAlign.Core.Runs;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- hash-cache [FILE] [repeats]</c>: the time of a content hash (<see cref="ContentHashCache.Of"/>) of a large
/// input cold (a new process with an empty cache file: read and hash the file, write the cache file) against warm from
/// the cache file (a new process whose cache file holds the entry: read the cache file, check size and time), measured
/// alternately in the same process (with the bare SHA-256 of the file, <see cref="Hashing.File"/>, as the baseline
/// the cold path adds its cache-file write to), each repeat with a fresh <see cref="ContentHashCache"/> as a new process has.
/// Without FILE (or with <c>-</c>), a seeded 50 MB file in a temporary folder. Prints each repeat, the medians and their ratio.
/// </summary>
public static class HashCacheProbe
{
    /// <summary>Runs the probe.</summary>
    public static int Run(string[] args)
    {
        var repeats = ProbeArgs.Int(args, 1, 11);
        using var scratch = ProbeArgs.Folder("hash-cache");
        var root = scratch.Path;
        var file = args.Length > 0 && args[0] is not ("" or "-") ? Path.GetFullPath(args[0]) : Generate(Path.Combine(root, "data.bin"), 50_000_000);
        var size = new FileInfo(file).Length;
        var expected = Hashing.File(file); // also brings the file into the OS page cache for both paths
        Console.WriteLine($"{file}: {size / 1e6:F1} MB; {Environment.ProcessorCount} cores; {repeats} repeats");

        var plain = new List<double>();
        var cold = new List<double>();
        var warm = new List<double>();
        var coldFile = Path.Combine(root, "cold.tsv");
        var warmFile = Path.Combine(root, "warm.tsv");
        if (new ContentHashCache(warmFile).Of(file) != expected) return Fail("the warm cache's first hash");
        for (var r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            var p = Hashing.File(file);
            plain.Add(clock.Elapsed.TotalMilliseconds);

            File.Delete(coldFile);
            var coldCache = new ContentHashCache(coldFile);
            clock.Restart();
            var a = coldCache.Of(file);
            cold.Add(clock.Elapsed.TotalMilliseconds);

            var warmCache = new ContentHashCache(warmFile);
            clock.Restart();
            var b = warmCache.Of(file);
            warm.Add(clock.Elapsed.TotalMilliseconds);

            if (p != expected || a != expected || b != expected) return Fail("a hash");
            if (coldCache.FilesHashed != 1 || warmCache.FilesHashed != 0) return Fail("the cold cache must hash, the warm one must not");
            Console.WriteLine($"repeat {r + 1}: SHA-256 alone {plain[^1]:F2} ms, cold {cold[^1]:F2} ms, from the cache file {warm[^1]:F3} ms");
        }
        var (mp, mc, mw) = (ProbeArgs.Median(plain), ProbeArgs.Median(cold), ProbeArgs.Median(warm));
        Console.WriteLine($"median: SHA-256 alone {mp:F2} ms, cold {mc:F2} ms, from the cache file {mw:F3} ms; ratio cold/cached {mc / mw:F0}; " +
                          $"cache file {new FileInfo(warmFile).Length} bytes");
        return 0;
    }

    private static int Fail(string what)
    {
        Console.Error.WriteLine($"hash-cache: wrong result from {what}");
        return 1;
    }

    /// <summary>A file of seeded random bytes, last written an hour ago (settled, so the cache file takes it).</summary>
    private static string Generate(string path, int size)
    {
        var bytes = new byte[size];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddHours(-1));
        return path;
    }

}

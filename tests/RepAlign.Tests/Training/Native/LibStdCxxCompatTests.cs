using RepAlign.Core;
using RepAlign.Training.Native;
using Xunit;

namespace RepAlign.Tests.Training.Native;

public class LibStdCxxCompatTests
{
    private static readonly (string, string, ushort)[] TorchLikeNeeds =
    [
        ("libstdc++.so.6", "GLIBCXX_3.4.26", 0),
        ("libstdc++.so.6", "CXXABI_1.3.1", 0),
        ("libstdc++.so.6", "GLIBCXX_3.4.32", 0),
        ("libstdc++.so.6", "GLIBCXX_3.4.18", 0),
        ("libc.so.6", "GLIBC_2.34", 0),
        ("libgcc_s.so.1", "GCC_3.0", 0),
    ];

    [Fact]
    public void Parser_reads_synthetic_verdef_and_verneed()
    {
        var elf = SyntheticElf.Build(SyntheticElf.LibStdCxxVersions(30), TorchLikeNeeds);
        var info = ElfVersionInfo.Parse(elf);
        Assert.Equal(SyntheticElf.LibStdCxxVersions(30), info.Defined);
        Assert.Equal(TorchLikeNeeds.OrderBy(n => n.Item1 == "libstdc++.so.6" ? 0 : n.Item1 == "libc.so.6" ? 1 : 2).Select(n => (n.Item1, n.Item2)),
            info.Needed.Select(n => (n.File, n.Version)));
        Assert.All(info.Needed, n => Assert.Equal(0, n.Flags));
    }

    [Fact]
    public void System_library_with_3_4_32_needs_no_patch()
    {
        var system = ElfVersionInfo.Parse(SyntheticElf.Build(SyntheticElf.LibStdCxxVersions(33), []));
        var torch = ElfVersionInfo.Parse(SyntheticElf.Build([], TorchLikeNeeds));
        Assert.Equal(NativePatchDecision.UseAsShipped, LibStdCxxCompat.Decide(system.Defined, torch.Needed));
    }

    [Fact]
    public void System_library_without_3_4_32_needs_the_patch()
    {
        var system = ElfVersionInfo.Parse(SyntheticElf.Build(SyntheticElf.LibStdCxxVersions(30), []));
        var torch = ElfVersionInfo.Parse(SyntheticElf.Build([], TorchLikeNeeds));
        Assert.Equal(["GLIBCXX_3.4.32"], LibStdCxxCompat.Missing(system.Defined, torch.Needed));
        Assert.Equal(NativePatchDecision.PatchWeak, LibStdCxxCompat.Decide(system.Defined, torch.Needed));
    }

    [Fact]
    public void Already_weak_requirement_needs_no_patch()
    {
        var needs = TorchLikeNeeds.Select(n => n.Item2 == "GLIBCXX_3.4.32" ? (n.Item1, n.Item2, LibStdCxxCompat.VerFlgWeak) : n).ToArray();
        var torch = ElfVersionInfo.Parse(SyntheticElf.Build([], needs));
        Assert.Equal(NativePatchDecision.UseAsShipped, LibStdCxxCompat.Decide(SyntheticElf.LibStdCxxVersions(30), torch.Needed));
    }

    [Fact]
    public void Other_missing_versions_fail_with_a_message()
    {
        var torch = ElfVersionInfo.Parse(SyntheticElf.Build([], TorchLikeNeeds));
        var e = Assert.Throws<WorkFailedException>(() => LibStdCxxCompat.Decide(SyntheticElf.LibStdCxxVersions(25), torch.Needed));
        Assert.Contains("GLIBCXX_3.4.26", e.Message);
        Assert.Contains("GLIBCXX_3.4.32", e.Message);
    }

    [Fact]
    public void Patch_of_synthetic_file_sets_only_the_weak_flag()
    {
        var original = SyntheticElf.Build([], TorchLikeNeeds);
        var patched = LibStdCxxCompat.Patch(original);
        var diff = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        var entry = ElfVersionInfo.Parse(original).Needed.Single(n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal([entry.FlagsOffset], diff.Select(i => (long)i));
        var after = ElfVersionInfo.Parse(patched).Needed;
        Assert.Equal(LibStdCxxCompat.VerFlgWeak, after.Single(n => n.Version == "GLIBCXX_3.4.32").Flags);
        Assert.All(after.Where(n => n.Version != "GLIBCXX_3.4.32"), n => Assert.Equal(0, n.Flags));
    }

    [Fact]
    public void Patch_without_the_entry_fails()
    {
        var elf = SyntheticElf.Build([], [("libstdc++.so.6", "GLIBCXX_3.4.26", 0)]);
        Assert.Throws<WorkFailedException>(() => LibStdCxxCompat.Patch(elf));
    }

    [Fact]
    public void Non_elf_input_fails_with_a_message()
    {
        var e = Assert.Throws<WorkFailedException>(() => ElfVersionInfo.Parse(new byte[100], "junk.so"));
        Assert.Contains("junk.so", e.Message);
    }

    [Fact]
    public void Patched_copy_of_the_real_library_differs_in_exactly_one_flag()
    {
        var library = TorchRuntime.FindTorchSharpLibrary();
        var original = File.ReadAllBytes(library);
        var before = ElfVersionInfo.Parse(original);
        var target = before.Needed.Single(n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32");

        var cache = Directory.CreateTempSubdirectory("repalign-native-test-");
        try
        {
            var path = LibStdCxxCompat.EnsurePatchedCopy(library, [cache.FullName]);
            Assert.Equal(Path.Combine(cache.FullName, RepAlign.Core.Runs.Hashing.Bytes(original), "libLibTorchSharp.so"), path);
            var patched = File.ReadAllBytes(path);
            Assert.Equal(original.Length, patched.Length);
            var diff = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
            Assert.Equal([target.FlagsOffset], diff.Select(i => (long)i));
            Assert.Equal((ushort)(target.Flags | LibStdCxxCompat.VerFlgWeak), ElfVersionInfo.Parse(patched).Needed.Single(n => n.FlagsOffset == target.FlagsOffset).Flags);
            Assert.Equal(path, LibStdCxxCompat.EnsurePatchedCopy(library, [cache.FullName])); // reused
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary left behind
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public void Real_system_libstdcxx_decision_matches_its_versions()
    {
        var system = ElfVersionInfo.Read(TorchRuntime.FindLoadedLibStdCxx());
        Assert.Contains("GLIBCXX_3.4", system.Defined);
        var torch = ElfVersionInfo.Read(TorchRuntime.FindTorchSharpLibrary());
        var expected = system.Defined.Contains("GLIBCXX_3.4.32") ? NativePatchDecision.UseAsShipped : NativePatchDecision.PatchWeak;
        Assert.Equal(expected, LibStdCxxCompat.Decide(system.Defined, torch.Needed));
        Assert.Equal(expected, TorchRuntime.EnsureLoaded().Decision);
    }
}

using RepAlign.Core;
using RepAlign.Core.Runs;

namespace RepAlign.Training.Native;

/// <summary>What to do with TorchSharp's native library before loading it.</summary>
public enum NativePatchDecision
{
    /// <summary>The system libstdc++ defines every version the library requires: load it as shipped.</summary>
    UseAsShipped,
    /// <summary>The system libstdc++ lacks only <see cref="LibStdCxxCompat.PatchableVersion"/>: load a copy with that requirement marked weak.</summary>
    PatchWeak,
}

/// <summary>
/// The libstdc++ compatibility fix for TorchSharp 0.107: its <c>libLibTorchSharp.so</c> requires
/// <c>GLIBCXX_3.4.32</c> (GCC 13) for one symbol it only references; older systems (Debian 12,
/// Ubuntu 22.04) define up to <c>GLIBCXX_3.4.30</c>. Marking that one Vernaux entry weak
/// (VER_FLG_WEAK) in a copy makes the loader accept it. Pure functions here; loading is in <see cref="TorchRuntime"/>.
/// </summary>
public static class LibStdCxxCompat
{
    /// <summary>The one version requirement that may be weakened.</summary>
    public const string PatchableVersion = "GLIBCXX_3.4.32";

    /// <summary>The library the requirement refers to.</summary>
    public const string LibStdCxxName = "libstdc++.so.6";

    /// <summary>ELF <c>VER_FLG_WEAK</c>: a missing version is not an error.</summary>
    public const ushort VerFlgWeak = 0x2;

    /// <summary>
    /// Decides whether TorchSharp's library needs the patch, given the versions the system libstdc++
    /// defines and the library's requirements. Throws <see cref="WorkFailedException"/> when
    /// libstdc++ lacks a required version other than <see cref="PatchableVersion"/> (no safe fix).
    /// </summary>
    public static NativePatchDecision Decide(IEnumerable<string> systemDefinedVersions, IEnumerable<ElfVersionNeed> libraryNeeds)
    {
        var missing = Missing(systemDefinedVersions, libraryNeeds);
        if (missing.Count == 0) return NativePatchDecision.UseAsShipped;
        if (missing.All(v => v == PatchableVersion)) return NativePatchDecision.PatchWeak;
        Throw.WorkFailed(
            $"TorchSharp's native library requires {string.Join(", ", missing)} from {LibStdCxxName}, which the system library lacks; " +
            $"only {PatchableVersion} can be worked around. Install a newer libstdc++ (GCC 13 or later).");
        return default;
    }

    /// <summary>The non-weak versions required from libstdc++ that the system library does not define, distinct, in file order.</summary>
    public static IReadOnlyList<string> Missing(IEnumerable<string> systemDefinedVersions, IEnumerable<ElfVersionNeed> libraryNeeds)
    {
        var defined = new HashSet<string>(systemDefinedVersions, StringComparer.Ordinal);
        return libraryNeeds
            .Where(n => n.File == LibStdCxxName && (n.Flags & VerFlgWeak) == 0 && !defined.Contains(n.Version))
            .Select(n => n.Version)
            .Distinct()
            .ToArray();
    }

    /// <summary>
    /// Returns a copy of the ELF image with the <see cref="PatchableVersion"/> requirement on
    /// libstdc++ marked weak; every other byte is unchanged. Throws when the entry is absent.
    /// </summary>
    public static byte[] Patch(ReadOnlySpan<byte> original, string name = "libLibTorchSharp.so")
    {
        var info = ElfVersionInfo.Parse(original, name);
        var targets = info.Needed.Where(n => n.File == LibStdCxxName && n.Version == PatchableVersion).ToArray();
        if (targets.Length == 0)
            Throw.WorkFailed($"{name}: found no {PatchableVersion} requirement on {LibStdCxxName} in .gnu.version_r; expected exactly one to patch");
        var copy = original.ToArray();
        foreach (var t in targets)
        {
            var flags = (ushort)(t.Flags | VerFlgWeak);
            copy[t.FlagsOffset] = (byte)(flags & 0xff);
            copy[t.FlagsOffset + 1] = (byte)(flags >> 8);
        }
        return copy;
    }

    /// <summary>
    /// Candidate cache roots for patched copies, in order: <c>$XDG_CACHE_HOME/repalign/native</c>,
    /// <c>~/.cache/repalign/native</c>, then a per-user folder under the temporary directory.
    /// </summary>
    public static IEnumerable<string> CacheRoots()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)) yield return Path.Combine(xdg, "repalign", "native");
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (!string.IsNullOrEmpty(home)) yield return Path.Combine(home, ".cache", "repalign", "native");
        yield return Path.Combine(Path.GetTempPath(), $"repalign-{Environment.UserName}", "native");
    }

    /// <summary>
    /// Writes (or reuses) the patched copy of <paramref name="originalPath"/> in the first writable
    /// cache root, under a folder named by the original's SHA-256, atomically (temporary name, then
    /// rename). Returns the patched file's path.
    /// </summary>
    public static string EnsurePatchedCopy(string originalPath, IEnumerable<string>? cacheRoots = null)
    {
        var original = File.ReadAllBytes(originalPath);
        var patched = Patch(original, originalPath);
        var hash = Hashing.Bytes(original);
        var errors = new List<string>();
        foreach (var root in cacheRoots ?? CacheRoots())
        {
            var target = Path.Combine(root, hash, Path.GetFileName(originalPath));
            try
            {
                if (File.Exists(target) && new FileInfo(target).Length == patched.Length && File.ReadAllBytes(target).AsSpan().SequenceEqual(patched))
                    return target;
                AtomicFile.WriteBytes(target, patched);
                return target;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{root}: {e.Message}");
            }
        }
        Throw.WorkFailed($"Cannot write the patched copy of {originalPath} to any cache folder ({string.Join("; ", errors)}); set XDG_CACHE_HOME to a writable folder.");
        return "";
    }
}

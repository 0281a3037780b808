using System.Globalization;

namespace RepAlign.Core.Runs;

/// <summary>
/// One line of the content-hash cache file: a check of the other fields (8 hex digits of their SHA-256), size,
/// modification time (ns), change time (ns), inode, SHA-256 and full path, separated by tabs. Lines of the earlier
/// format (v1: size and modification ticks only) fail the parse and are dropped at the next write.
/// </summary>
internal static class ContentHashLine
{
    /// <summary>The first line of the file.</summary>
    public const string Header = "# repalign content hashes v2: check, size, mtime ns, ctime ns, inode, sha256, full path";

    /// <summary>A cache file larger than this (16 MiB) is not read.</summary>
    public const long MaxFileBytes = 16 << 20;

    /// <summary>What a hash is cached under: the full path and the file's identity.</summary>
    public readonly record struct Key(string Path, FileIdentity Identity);

    /// <summary>The line for an entry.</summary>
    public static string Format(Key key, string hash)
    {
        var id = key.Identity;
        var fields = string.Create(CultureInfo.InvariantCulture, $"{id.Size}\t{id.MtimeNs}\t{id.CtimeNs}\t{id.Inode}\t{hash}\t{key.Path}");
        return $"{Hashing.Text(fields)[..8]}\t{fields}";
    }

    /// <summary>The entry a line holds, or null for anything else (a header, a torn or altered line, the old format).</summary>
    public static (Key Key, string Hash)? Parse(string line)
    {
        var parts = line.Split('\t', 7);
        if (parts.Length != 7 || parts[0].Length != 8) return null;
        var fields = line[(parts[0].Length + 1)..];
        if (!string.Equals(Hashing.Text(fields)[..8], parts[0], StringComparison.Ordinal)) return null;
        if (!long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return null;
        if (!long.TryParse(parts[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var mtime)) return null;
        if (!long.TryParse(parts[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var ctime)) return null;
        if (!ulong.TryParse(parts[4], NumberStyles.None, CultureInfo.InvariantCulture, out var inode) || inode == 0) return null;
        if (parts[5].Length != 64 || !parts[5].All(char.IsAsciiHexDigitLower) || !Path.IsPathFullyQualified(parts[6])) return null;
        return (new Key(parts[6], new FileIdentity(size, mtime, ctime, inode, Stable: true)), parts[5]);
    }
}

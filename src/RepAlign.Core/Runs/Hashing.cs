using System.Security.Cryptography;
using System.Text;

namespace RepAlign.Core.Runs;

/// <summary>Content hashes for cache keys and provenance (SHA-256, lower-case hex).</summary>
public static class Hashing
{
    /// <summary>SHA-256 of a file's bytes.</summary>
    public static string File(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of a UTF-8 string.</summary>
    public static string Text(string text) => Bytes(Encoding.UTF8.GetBytes(text));

    /// <summary>SHA-256 of bytes.</summary>
    public static string Bytes(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}

namespace RepAlign.Core.Runs;

/// <summary>Writes files whole or not at all: to a temporary name in the same folder, then a rename.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>; readers never see a half-written file.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = TemporaryPath(full);
        try
        {
            using (var stream = CreateTemporary(temp, full, FileAccess.Write))
            {
                write(stream);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes bytes atomically.</summary>
    public static void WriteBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    /// <summary>
    /// A fresh temporary name beside <paramref name="fullPath"/> (same folder, so the final rename is atomic;
    /// unique per process and call), for writers that stream into the file over time and rename it themselves.
    /// </summary>
    public static string TemporaryPath(string fullPath) => $"{fullPath}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";

    /// <summary>
    /// Creates the temporary file <paramref name="temporaryPath"/> (a <see cref="TemporaryPath"/> of
    /// <paramref name="finalPath"/>) for writing; every writer of a final file opens its temporary file here, so a
    /// full disk can be injected for tests (<see cref="DiskFullInjection"/>).
    /// </summary>
    public static Stream CreateTemporary(string temporaryPath, string finalPath, FileAccess access) =>
        DiskFullInjection.Wrap(new FileStream(temporaryPath, FileMode.CreateNew, access, FileShare.None, 1 << 16), finalPath);

    /// <summary>
    /// Deletes the temporary files (<see cref="TemporaryPath"/> names) that a process killed mid-write left under
    /// <paramref name="folder"/>. Call it only while holding the folder's <see cref="RunLock"/>: then no live writer
    /// owns them. Folders named in <paramref name="skip"/> (relative to <paramref name="folder"/>) are left alone.
    /// </summary>
    /// <returns>The number of files deleted.</returns>
    public static int RemoveLeftovers(string folder, bool recursive, params string[] skip)
    {
        if (!Directory.Exists(folder)) return 0;
        var root = Path.GetFullPath(folder);
        var skipped = skip.Select(s => Path.Combine(root, s) + Path.DirectorySeparatorChar).ToArray();
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(root, "*.tmp-*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly))
        {
            if (skipped.Any(s => file.StartsWith(s, StringComparison.Ordinal))) continue;
            try { File.Delete(file); removed++; }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return removed;
    }

    /// <summary>Writes text (UTF-8) atomically.</summary>
    public static void WriteText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s); w.Write(text); });
}

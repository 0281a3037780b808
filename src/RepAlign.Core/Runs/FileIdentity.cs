namespace RepAlign.Core.Runs;

/// <summary>
/// What tells a file's content apart without reading it, as DVC keys its cache and stronger: size, modification time
/// and change time in nanoseconds, and the inode number. A file replaced behind the same path (<c>rsync -a</c> and
/// <c>tar x</c> write a new file, then rename it; both keep size and modification time) has a new inode and a new change
/// time, which no user can set; content rewritten in place changes the change time. <see cref="Stable"/> is false where
/// the filesystem gives no inode number that lasts (FUSE, SMB/CIFS, 9p, FAT, exFAT) or off Linux: such a file's hash
/// is never cached.
/// </summary>
/// <param name="Size">Size in bytes.</param>
/// <param name="MtimeNs">Modification time, nanoseconds since 1970 (UTC).</param>
/// <param name="CtimeNs">Change time (status change: content, rename, permissions), nanoseconds since 1970.</param>
/// <param name="Inode">Inode number (0 when unknown).</param>
/// <param name="Stable">Whether the tuple identifies the content well enough to cache its hash.</param>
public readonly record struct FileIdentity(long Size, long MtimeNs, long CtimeNs, ulong Inode, bool Stable)
{
    /// <summary>Magic numbers (<c>statfs</c> f_type, linux/magic.h) of filesystems whose inode numbers do not last or are made up per mount.</summary>
    private static readonly HashSet<long> UnstableInodes =
    [
        0x65735546, // FUSE (sshfs, ntfs-3g, gcsfuse, …): inode numbers are the daemon's, often per mount
        0xFF534D42, // CIFS
        0xFE534D42, // SMB2/3
        0x517B, // SMB
        0x01021997, // 9p (WSL, QEMU shares)
        0x4d44, // FAT (vfat, msdos): inode numbers come from a directory entry's position
        0x2011BAB0, // exFAT
        0x564c, // NCP
    ];

    /// <summary>The identity of the file at <paramref name="fullPath"/>, or null when there is no such file.</summary>
    public static FileIdentity? Of(string fullPath)
    {
        if (!Libc.Available)
        {
            var info = new FileInfo(fullPath);
            return info.Exists ? new FileIdentity(info.Length, (info.LastWriteTimeUtc - DateTime.UnixEpoch).Ticks * 100, 0, 0, Stable: false) : null;
        }
        if (Libc.StatxCall(Libc.AtFdCwd, fullPath, 0, Libc.StatxBasicStats, out var s) != 0)
        {
            var (errno, text) = Libc.LastError();
            if (errno == Libc.ENoEnt || errno == 20 /* ENOTDIR: a file where a folder of the path should be */) return null;
            throw new IOException($"{fullPath}: cannot read its status (statx: {text})");
        }
        if ((s.Mode & 0xF000) != 0x8000) return null; // a folder, device or socket is not a file with content
        const uint needed = Libc.StatxMtime | Libc.StatxCtime | Libc.StatxIno | Libc.StatxSize;
        var stable = (s.Mask & needed) == needed && s.Ino != 0 && StableInodes(fullPath);
        return new FileIdentity((long)s.Size, s.MtimeSeconds * 1_000_000_000 + s.MtimeNanoseconds,
            s.CtimeSeconds * 1_000_000_000 + s.CtimeNanoseconds, s.Ino, stable);
    }

    /// <summary>Whether the filesystem holding <paramref name="fullPath"/> keeps inode numbers (false for the types in <see cref="UnstableInodes"/>).</summary>
    public static bool StableInodes(string fullPath) =>
        Libc.StatFsCall(fullPath, out var fs) == 0 && IsStableType(fs.Type);

    /// <summary>Whether a filesystem type (statfs magic number) keeps inode numbers.</summary>
    public static bool IsStableType(long magic) => !UnstableInodes.Contains(magic & 0xFFFFFFFF);

    /// <summary>The later of the modification and change times as UTC, for "was this file written just now?".</summary>
    public DateTime LastChangeUtc => DateTime.UnixEpoch.AddTicks(Math.Max(MtimeNs, CtimeNs) / 100);
}

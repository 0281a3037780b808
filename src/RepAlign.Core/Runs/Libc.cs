using System.Runtime.InteropServices;

namespace RepAlign.Core.Runs;

/// <summary>
/// The few C library calls .NET does not expose, for 64-bit Linux (the platform RepAlign builds for): <c>statx</c>
/// (inode, change time and modification time in nanoseconds), <c>statfs</c> (the filesystem's type), <c>fsync</c> of a
/// folder, and <c>_exit</c>. Struct layouts follow the kernel's UAPI headers (statx's is the same on every architecture).
/// </summary>
internal static partial class Libc
{
    /// <summary>statx: resolve paths relative to the current folder.</summary>
    public const int AtFdCwd = -100;

    /// <summary>statx mask bits of the fields RepAlign reads (type, mode, nlink, uid, gid, atime, mtime, ctime, ino, size, blocks).</summary>
    public const uint StatxBasicStats = 0x7ff;

    /// <summary>statx mask bits: modification time, change time, inode number, size.</summary>
    public const uint StatxMtime = 0x40, StatxCtime = 0x80, StatxIno = 0x100, StatxSize = 0x200;

    /// <summary>open flags: read only, close on exec.</summary>
    public const int ORdOnly = 0, OCloExec = 0x80000;

    /// <summary>errno values handled by name.</summary>
    public const int ENoEnt = 2, EInval = 22, ERofs = 30, ENotSup = 95;

    /// <summary>The part of <c>struct statx</c> (256 bytes) RepAlign reads.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct Statx
    {
        /// <summary>Which fields the filesystem filled in.</summary>
        [FieldOffset(0)] public uint Mask;
        /// <summary>File type and permissions (S_IFMT bits 0xF000: 0x8000 a regular file).</summary>
        [FieldOffset(28)] public ushort Mode;
        /// <summary>Inode number.</summary>
        [FieldOffset(32)] public ulong Ino;
        /// <summary>Size in bytes.</summary>
        [FieldOffset(40)] public ulong Size;
        /// <summary>Change time, seconds.</summary>
        [FieldOffset(96)] public long CtimeSeconds;
        /// <summary>Change time, nanoseconds.</summary>
        [FieldOffset(104)] public uint CtimeNanoseconds;
        /// <summary>Modification time, seconds.</summary>
        [FieldOffset(112)] public long MtimeSeconds;
        /// <summary>Modification time, nanoseconds.</summary>
        [FieldOffset(120)] public uint MtimeNanoseconds;
    }

    /// <summary>The first field of <c>struct statfs</c> (120 bytes on 64-bit Linux): the filesystem's magic number.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatFs
    {
        /// <summary>f_type.</summary>
        [FieldOffset(0)] public long Type;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatxCall(int dirfd, string path, int flags, uint mask, out Statx buffer);

    [LibraryImport("libc", EntryPoint = "statfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StatFsCall(string path, out StatFs buffer);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>Ends the process at once with <paramref name="status"/>: no finalisers, no exit handlers, no native library teardown.</summary>
    [LibraryImport("libc", EntryPoint = "_exit")]
    public static partial void Exit(int status);

    /// <summary>Whether these calls are available: 64-bit Linux.</summary>
    public static bool Available => OperatingSystem.IsLinux() && Environment.Is64BitProcess;

    /// <summary>The errno of the last call and its text.</summary>
    public static (int Errno, string Text) LastError()
    {
        var errno = Marshal.GetLastPInvokeError();
        return (errno, Marshal.GetPInvokeErrorMessage(errno));
    }
}

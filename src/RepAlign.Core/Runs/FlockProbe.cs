namespace RepAlign.Core.Runs;

/// <summary>
/// Whether the OS file lock that <see cref="RunLock"/> takes (flock, through <see cref="FileShare.None"/>) really keeps
/// a second process out of a folder. It does not everywhere: .NET takes none with
/// <c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING=1</c>; flock is a silent no-op where the filesystem refuses it (Lustre
/// mounted with <c>noflock</c>: .NET ignores every error but "already locked"); NFS emulates it with POSIX record
/// locks, which never conflict within one process; and on Lustre with <c>localflock</c>, on BeeGFS (whose locks are
/// node-local unless its client is configured otherwise) and on FUSE and SMB mounts it holds on one node only.
/// </summary>
/// <remarks>
/// The probe, taken while the lock file is held: a second open of it with <see cref="FileShare.None"/> (a second open
/// file description, the very thing another process would hold) must be refused. That catches the disabled, refused
/// and per-process cases on this node. No probe on one node can show that another node is kept out, so filesystems
/// known to lock per node are not trusted whatever the probe says (read from <c>/proc/self/mountinfo</c>).
/// </remarks>
public static class FlockProbe
{
    /// <summary>Filesystem types whose flock, where it works at all, holds on one node only.</summary>
    private static readonly string[] NodeLocal = ["beegfs", "cifs", "smb3", "smbfs", "9p", "fuse", "fuseblk", "glusterfs", "vboxsf"];

    /// <summary>
    /// Whether the flock on <paramref name="lockPath"/>, which the caller holds open with <see cref="FileShare.None"/>,
    /// excludes other processes on every node: refused to a second opener here, on a filesystem not known to lock per node.
    /// </summary>
    public static bool Excludes(string lockPath)
    {
        try
        {
            using var second = new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1);
            return false; // a second open file description took the "exclusive" lock: it excludes nothing here
        }
        catch (IOException)
        {
            return !IsNodeLocal(Mount(Path.GetDirectoryName(lockPath)!));
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether a mount's flock is node-local: one of <see cref="NodeLocal"/> (or <c>fuse.*</c>), or Lustre with <c>localflock</c>.</summary>
    public static bool IsNodeLocal((string Type, string Options)? mount)
    {
        if (mount is not { } m) return false;
        if (NodeLocal.Contains(m.Type) || m.Type.StartsWith("fuse.", StringComparison.Ordinal)) return true;
        return m.Type == "lustre" && m.Options.Split(',').Contains("localflock");
    }

    /// <summary>The type and options (mount and superblock options, comma-joined) of the mount holding <paramref name="folder"/>, or null off Linux.</summary>
    public static (string Type, string Options)? Mount(string folder)
    {
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/mountinfo"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        return Mount(folder, lines);
    }

    /// <summary>
    /// The mount of <paramref name="folder"/> among mountinfo lines (<c>ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS] - TYPE
    /// SOURCE SUPEROPTIONS</c>): the one with the longest mount point that contains the folder, the last such when
    /// mounts are stacked.
    /// </summary>
    public static (string Type, string Options)? Mount(string folder, IEnumerable<string> mountinfo)
    {
        var full = Path.GetFullPath(folder).TrimEnd('/') + "/";
        (string Type, string Options)? best = null;
        var bestLength = -1;
        foreach (var line in mountinfo)
        {
            var fields = line.Split(' ');
            var dash = Array.IndexOf(fields, "-");
            if (dash < 6 || dash + 1 >= fields.Length) continue; // fields 0–5 come before the optional tags and the dash
            var point = Unescape(fields[4]).TrimEnd('/') + "/";
            if (!full.StartsWith(point, StringComparison.Ordinal) || point.Length < bestLength) continue;
            bestLength = point.Length;
            var super = dash + 3 < fields.Length ? fields[dash + 3] : "";
            best = (fields[dash + 1], fields[5] + "," + super);
        }
        return best;
    }

    /// <summary>mountinfo writes space, tab, newline and backslash in paths as octal escapes (\040).</summary>
    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());
}

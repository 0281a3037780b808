using System.Globalization;

namespace RepAlign.Core.Runs;

/// <summary>
/// One process, told apart from any other that ever ran: its host, pid, the boot it ran in (Linux's boot id) and its
/// start time after boot (clock ticks, field 22 of <c>/proc/PID/stat</c>), so a pid reused after the process ended, or
/// after a reboot, is not taken for it. Stage records and lock holders carry one.
/// </summary>
/// <param name="Host">Host name.</param>
/// <param name="Pid">Process id.</param>
/// <param name="BootId">The kernel's boot id (empty where unknown).</param>
/// <param name="StartTicks">Start time in clock ticks after boot (0 where unknown).</param>
public sealed record ProcessStamp(string Host, int Pid, string BootId, long StartTicks)
{
    /// <summary>This process.</summary>
    public static ProcessStamp Current { get; } = new(Environment.MachineName, Environment.ProcessId, ReadBootId(), StartTicksOf(Environment.ProcessId) ?? 0);

    /// <summary>
    /// Whether the process still runs: true or false when it can be known from here (this host: by its pid and start
    /// time, or a new boot id after a reboot), null for a process on another host.
    /// </summary>
    public bool? IsAlive()
    {
        var me = Current;
        if (!string.Equals(Host, me.Host, StringComparison.Ordinal)) return null;
        if (BootId.Length > 0 && me.BootId.Length > 0 && BootId != me.BootId) return false; // rebooted since
        if (StartTicks > 0 && me.StartTicks > 0) return StartTicksOf(Pid) == StartTicks;
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(Pid); // no /proc: the pid alone (may be reused)
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>"pid 123 on node7".</summary>
    public override string ToString() => $"pid {Pid} on {Host}";

    /// <summary>The start time (clock ticks after boot) of a live process, or null when there is none (or it is a zombie).</summary>
    public static long? StartTicksOf(int pid)
    {
        string text;
        try { text = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
        // "pid (comm) state ppid …": comm may hold spaces and parentheses, so fields are counted after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 20 || fields[0] == "Z" || fields[0] == "X") return null; // field 3 is the state; 22 the start time
        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    private static string ReadBootId()
    {
        try { return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return ""; }
    }
}

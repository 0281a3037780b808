using System.Diagnostics;
using System.Runtime.InteropServices;

namespace RepAlign.Benchmarks;

/// <summary>
/// CPU seconds, which a shared machine's load disturbs far less than wall time: the calling thread's
/// (<c>CLOCK_THREAD_CPUTIME_ID</c>, Linux) and the whole process's.
/// </summary>
internal static partial class CpuClock
{
    private const int ThreadCpuTime = 3; // CLOCK_THREAD_CPUTIME_ID

    /// <summary>CPU seconds the calling thread has used (NaN where the clock is unavailable).</summary>
    public static double Thread() => OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuTime, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;

    /// <summary>CPU seconds every thread of the process has used.</summary>
    public static double Process() => System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);
}

/// <summary>Wall and calling-thread CPU seconds of one measured interval.</summary>
/// <param name="Wall">Wall-clock seconds.</param>
/// <param name="Cpu">CPU seconds of the calling thread.</param>
internal readonly record struct Elapsed(double Wall, double Cpu)
{
    /// <summary>Starts a measurement; <see cref="Since"/> ends it.</summary>
    public static Elapsed Now() => new(Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency, CpuClock.Thread());

    /// <summary>The interval from <paramref name="start"/> (a <see cref="Now"/>) to now.</summary>
    public static Elapsed Since(Elapsed start)
    {
        var now = Now();
        return new Elapsed(now.Wall - start.Wall, now.Cpu - start.Cpu);
    }

    /// <summary>Both times divided by <paramref name="count"/>.</summary>
    public Elapsed Per(double count) => new(Wall / count, Cpu / count);
}

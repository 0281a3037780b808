using System.Diagnostics;

namespace RepAlign.Benchmarks;

/// <summary>Accumulates the time of named phases of a repeated step (Stopwatch ticks) and the step count.</summary>
internal sealed class StepPhases(params string[] names)
{
    private readonly long[] ticks = new long[names.Length];
    private long mark;

    /// <summary>The phase names, in order.</summary>
    public IReadOnlyList<string> Names => names;

    /// <summary>Steps timed.</summary>
    public long Steps { get; private set; }

    /// <summary>Starts a step.</summary>
    public void Start() => mark = Stopwatch.GetTimestamp();

    /// <summary>Ends phase <paramref name="phase"/> (an index into <see cref="Names"/>) and starts the next.</summary>
    public void Lap(int phase)
    {
        var now = Stopwatch.GetTimestamp();
        ticks[phase] += now - mark;
        mark = now;
    }

    /// <summary>Counts one completed step.</summary>
    public void EndStep() => Steps++;

    /// <summary>Milliseconds per step of each phase.</summary>
    public double[] MsPerStep() => ticks.Select(t => 1000.0 * t / Stopwatch.Frequency / Math.Max(1, Steps)).ToArray();

    /// <summary>Clears the counts.</summary>
    public void Reset()
    {
        Array.Clear(ticks);
        Steps = 0;
    }
}

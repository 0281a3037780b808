using System.Diagnostics;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// The linear probes of an extraction, run on the thread pool while the extraction goes on with the next checkpoints
/// (one task per layer), so that the cores a checkpoint's forward pass, metrics and writing leave idle probe instead
/// of waiting. Each probe's result is that of <see cref="LinearProbe.Evaluate"/> on its own copy of the layer's rows,
/// whenever it runs; results come back in the order the checkpoints went in. At most <see cref="Depth"/> checkpoints
/// are in flight (their representations are held until their probes finish), so memory stays bounded.
/// </summary>
public sealed class PendingProbes : IDisposable
{
    /// <summary>Most checkpoints whose probes may run at once; the next one waits for the oldest.</summary>
    public const int Depth = 3;

    private readonly Queue<(int Epoch, Task<ProbeResult>[] Layers, float[][] Features)> pending = new();
    private readonly Stack<float[]> spare = new(); // rows of finished probes, for the next checkpoints' representations
    private long probeTicks; // summed over every probe, on whatever thread ran it

    /// <summary>Time spent waiting for probes on the caller's thread.</summary>
    public TimeSpan Waited { get; private set; }

    /// <summary>Time the probes took, summed over probes (on any core).</summary>
    public TimeSpan ProbeTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref probeTicks));

    /// <summary>
    /// Starts the probes of one checkpoint: <paramref name="features"/>[l] (n × widths[l], row-major) now belongs to the
    /// probes until they are taken back by <see cref="Completed"/>. Waits for the oldest checkpoint first when
    /// <see cref="Depth"/> are in flight and returns its results, then any others already finished, in order.
    /// </summary>
    public IReadOnlyList<(int Epoch, ProbeResult[] Results)> Start(int epoch, float[][] features, int n, int[] widths, int[] labels, int seed)
    {
        var done = pending.Count >= Depth ? Completed(wait: 1) : [];
        var layers = new Task<ProbeResult>[features.Length];
        for (var l = 0; l < features.Length; l++)
        {
            var (rows, width) = (features[l], widths[l]);
            layers[l] = Task.Run(() =>
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    return LinearProbe.Evaluate(rows, n, width, labels, seed);
                }
                finally
                {
                    Interlocked.Add(ref probeTicks, Stopwatch.GetTimestamp() - start);
                }
            });
        }
        pending.Enqueue((epoch, layers, features));
        return [.. done, .. Completed(wait: 0)];
    }

    /// <summary>
    /// The results of the checkpoints whose probes have all finished, oldest first, stopping at the first unfinished
    /// one; the oldest <paramref name="wait"/> checkpoints are waited for (<see cref="int.MaxValue"/>: every one).
    /// Rethrows a probe's exception.
    /// </summary>
    public IReadOnlyList<(int Epoch, ProbeResult[] Results)> Completed(int wait)
    {
        var results = new List<(int, ProbeResult[])>();
        while (pending.TryPeek(out var oldest) && (results.Count < wait || oldest.Layers.All(t => t.IsCompleted)))
        {
            var start = Stopwatch.GetTimestamp();
            var layers = oldest.Layers.Select(t => t.GetAwaiter().GetResult()).ToArray();
            Waited += Stopwatch.GetElapsedTime(start);
            pending.Dequeue();
            foreach (var rows in oldest.Features) spare.Push(rows);
            results.Add((oldest.Epoch, layers));
        }
        return results;
    }

    /// <summary>An array of <paramref name="length"/> floats for a checkpoint's representation: one a finished probe gave back, or a new one.</summary>
    public float[] Rent(int length)
    {
        while (spare.TryPop(out var rows))
            if (rows.Length == length) return rows;
        return new float[length];
    }

    /// <summary>Waits for every probe still running, ignoring their results (the extraction stopped early).</summary>
    public void Dispose()
    {
        foreach (var (_, layers, _) in pending)
            foreach (var task in layers)
                try
                {
                    task.Wait();
                }
                catch (AggregateException)
                {
                    // the extraction already failed or was cancelled; its own exception is the one to report
                }
        pending.Clear();
    }
}

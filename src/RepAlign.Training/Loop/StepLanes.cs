using System.Diagnostics;
using System.Runtime.ExceptionServices;
using RepAlign.Core;
using RepAlign.Training.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>
/// The lanes of one training step: lane 0 is the caller's thread and, with two lanes, lane 1 a worker thread of this
/// object. <see cref="Run"/> runs a phase on every lane at once and returns when all are done (fork and join), several
/// times per step, so each wait first polls (a phase takes tens to hundreds of microseconds; waking a blocked thread
/// costs about as much) and only then blocks, which lets the worker sleep between epochs. Each lane's BLAS runs on its
/// own thread alone (<see cref="Blas.OneThreadHere"/>; the caller's setting is put back after each phase), as
/// libtorch's does with one thread. The worker runs without autograd and disposes what a phase creates; an exception on
/// either lane is rethrown on the caller once both are done, and the step is abandoned.
/// </summary>
internal sealed class StepLanes : IDisposable
{
    private const int SpinCount = 2047; // ManualResetEventSlim's most: about a millisecond of spinning and yielding
    private readonly ManualResetEventSlim start = new(false, SpinCount);
    private readonly ManualResetEventSlim finished = new(false, SpinCount);
    private readonly Thread? worker;
    private Action<int>? phase;
    private ExceptionDispatchInfo? failure;
    private bool stopping;

    /// <summary>One lane (this thread) or two (this thread and a worker, a background thread that waits for phases).</summary>
    public StepLanes(int count)
    {
        if (count is < 1 or > 2) RepAlign.Core.Throw.Invariant($"{count} lanes; a step takes one or two");
        Count = count;
        if (count == 1) return;
        worker = new Thread(Work) { IsBackground = true, Name = "repalign-step-lane" };
        worker.Start();
    }

    /// <summary>How many lanes share a step.</summary>
    public int Count { get; }

    /// <summary>
    /// Runs <paramref name="body"/>(0) here and, with two lanes, <paramref name="body"/>(1) on the worker, and returns when
    /// both have finished; rethrows either lane's exception. Not reentrant: one caller at a time.
    /// </summary>
    public void Run(Action<int> body)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        var previous = Blas.OneThreadHere();
        try
        {
            if (worker is null) body(0);
            else RunBoth(body);
        }
        finally
        {
            Blas.RestoreThreadsHere(previous);
        }
    }

    private void RunBoth(Action<int> body)
    {
        phase = body;
        start.Set();
        ExceptionDispatchInfo? own = null;
        try
        {
            using var scope = NewDisposeScope();
            body(0);
        }
        catch (Exception e)
        {
            own = ExceptionDispatchInfo.Capture(e);
        }
        Await(finished);
        phase = null;
        own?.Throw();
        if (Interlocked.Exchange(ref failure, null) is { } theirs) theirs.Throw();
    }

    private void Work()
    {
        using var noGrad = no_grad(); // autograd's mode is per thread
        Blas.OneThreadHere(); // this thread's own setting, for as long as it lives
        while (true)
        {
            Await(start);
            if (Volatile.Read(ref stopping)) return;
            try
            {
                using var scope = NewDisposeScope();
                (phase ?? Throw.Invariant<Action<int>>("a lane started without a phase"))(1);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finished.Set();
        }
    }

    /// <summary>
    /// Waits for <paramref name="signal"/> and resets it: first polling it alone for up to <see cref="PollTicks"/> (a
    /// handoff within a step then takes well under a microsecond), then by the event's own wait, which spins and yields
    /// and at last blocks.
    /// </summary>
    private static void Await(ManualResetEventSlim signal)
    {
        var deadline = Stopwatch.GetTimestamp() + PollTicks;
        while (!signal.IsSet && Stopwatch.GetTimestamp() < deadline) Thread.SpinWait(8);
        signal.Wait();
        signal.Reset();
    }

    private static readonly long PollTicks = Stopwatch.Frequency / 5000; // 200 µs: longer than a step's pauses between phases

    /// <summary>The first row and the count of lane <paramref name="lane"/>'s share of <paramref name="count"/> rows: all of them, or halves (the first the larger).</summary>
    public (long Start, long Count) Share(int lane, long count) => Share(lane, Count, count);

    /// <summary>Lane <paramref name="lane"/>'s share of <paramref name="count"/> rows among <paramref name="lanes"/> lanes (1 or 2).</summary>
    public static (long Start, long Count) Share(int lane, int lanes, long count)
    {
        var first = lanes == 1 ? count : (count + 1) / 2;
        return lane == 0 ? (0, first) : (first, count - first);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (stopping) return;
        Volatile.Write(ref stopping, true);
        start.Set();
        worker?.Join();
        start.Dispose();
        finished.Dispose();
    }
}

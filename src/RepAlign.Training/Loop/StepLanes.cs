using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace RepAlign.Training.Loop;

/// <summary>
/// The lanes of one training step: lane 0 is the caller's thread and, with two lanes, lane 1 a worker thread of this
/// object. <see cref="Run"/> runs a phase's two shares, share 0 on the caller and share 1 on the worker, and returns when
/// both are done (fork and join), several times per step. A share is the same computation whichever thread runs it, so
/// when the worker has not taken share 1 by the time the caller is done with share 0 (it was asleep, or the system gave
/// its core to another thread for a while), the caller takes share 1 itself instead of waiting for it. Each wait first
/// polls (a phase takes tens to hundreds of microseconds; waking a blocked thread costs about as much) and only then
/// blocks, which lets the worker sleep between epochs. A share works on memory its caller owns and creates no tensors (<see cref="FmaLayer"/>); an exception in either share is
/// rethrown on the caller once both are done, and the step is abandoned.
/// </summary>
internal sealed class StepLanes : IDisposable
{
    // Share 1 of the phase posted as number p goes through the states 4p + Open → 4p + Taken → 4p + Done (by the
    // worker), or 4p + Open → 4p + Stolen (by the caller, who then runs it). Packing p into the state keeps a worker
    // that looked late from taking a later phase's share under an earlier phase's number.
    private const int Open = 0, Taken = 1, Done = 2, Stolen = 3;
    private readonly Thread? worker;
    private readonly SemaphoreSlim wake = new(0); // the worker, when it blocks, waits here for the next phase
    private readonly SemaphoreSlim joined = new(0); // the caller, when it blocks, waits here for share 1
    private readonly bool steal;
    private Action<int>? phase;
    private ExceptionDispatchInfo? failure;
    private long posted; // the number of the phase posted last
    private long state; // 4 · posted + share 1's state
    private int workerSleeps; // 1 while the worker blocks (or is about to)
    private int callerSleeps; // 1 while the caller blocks (or is about to)
    private bool stopping;

    /// <summary>
    /// One lane (this thread) or two (this thread and a worker, a background thread that waits for phases); with
    /// <paramref name="steal"/> false, share 1 always runs on the worker (for tests that need to know which thread runs it).
    /// </summary>
    public StepLanes(int count, bool steal = true)
    {
        if (count is < 1 or > 2) RepAlign.Core.Throw.Invariant($"{count} lanes; a step takes one or two");
        Count = count;
        this.steal = steal;
        if (count == 1) return;
        worker = new Thread(Work) { IsBackground = true, Name = "repalign-step-lane" };
        worker.Start();
    }

    /// <summary>How many lanes share a step.</summary>
    public int Count { get; }

    /// <summary>How many shares 1 the caller has run itself because the worker had not taken them (<see cref="StepLanes"/>).</summary>
    public long StolenShares { get; private set; }

    /// <summary>
    /// Runs <paramref name="body"/>(0) here and, with two lanes, <paramref name="body"/>(1) on the worker, or here when
    /// the worker has not taken it by the time share 0 is done; returns when both have finished, and rethrows either
    /// share's exception. Not reentrant: one caller at a time.
    /// </summary>
    public void Run(Action<int> body)
    {
        ObjectDisposedException.ThrowIf(stopping, this);
        if (worker is null) body(0);
        else RunBoth(body);
    }

    private void RunBoth(Action<int> body)
    {
        phase = body;
        var number = posted + 1;
        Volatile.Write(ref state, 4 * number + Open);
        Volatile.Write(ref posted, number);
        if (Interlocked.CompareExchange(ref workerSleeps, 0, 1) == 1) wake.Release();
        ExceptionDispatchInfo? own = null;
        try
        {
            body(0);
            if (steal && Interlocked.CompareExchange(ref state, 4 * number + Stolen, 4 * number + Open) == 4 * number + Open)
            {
                StolenShares++;
                body(1);
            }
        }
        catch (Exception e)
        {
            own = ExceptionDispatchInfo.Capture(e);
        }
        if (Volatile.Read(ref state) != 4 * number + Stolen) AwaitShareOne(number);
        phase = null;
        own?.Throw();
        if (Interlocked.Exchange(ref failure, null) is { } theirs) theirs.Throw();
    }

    /// <summary>Waits until share 1 of phase <paramref name="number"/> is done: polls, then blocks until the worker releases <see cref="joined"/>.</summary>
    private void AwaitShareOne(long number)
    {
        var deadline = Stopwatch.GetTimestamp() + PollTicks;
        var polls = 0;
        while (Volatile.Read(ref state) != 4 * number + Done)
        {
            Thread.SpinWait(8); // pause: a polling thread leaves the core's resources to a working one
            if ((++polls & 15) != 0 || Stopwatch.GetTimestamp() < deadline) continue;
            Volatile.Write(ref callerSleeps, 1);
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref state) != 4 * number + Done) joined.Wait();
            else if (Interlocked.Exchange(ref callerSleeps, 0) == 0) joined.Wait(); // the worker saw the flag and releases once: take it
            return;
        }
    }

    private void Work()
    {
        long seen = 0;
        while (true)
        {
            var number = AwaitPhase(seen);
            if (Volatile.Read(ref stopping)) return;
            seen = number;
            if (Interlocked.CompareExchange(ref state, 4 * number + Taken, 4 * number + Open) != 4 * number + Open) continue; // taken by the caller
            try
            {
                (phase ?? RepAlign.Core.Throw.Invariant<Action<int>>("a lane started without a phase"))(1);
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            Volatile.Write(ref state, 4 * number + Done);
            Interlocked.MemoryBarrier();
            if (Interlocked.CompareExchange(ref callerSleeps, 0, 1) == 1) joined.Release();
        }
    }

    /// <summary>The number of the next phase after <paramref name="seen"/>: polled for up to <see cref="PollTicks"/>, then awaited on <see cref="wake"/>.</summary>
    private long AwaitPhase(long seen)
    {
        var deadline = Stopwatch.GetTimestamp() + PollTicks;
        var polls = 0;
        while (true)
        {
            var number = Volatile.Read(ref posted);
            if (number != seen || Volatile.Read(ref stopping)) return number;
            Thread.SpinWait(8);
            if ((++polls & 15) != 0 || Stopwatch.GetTimestamp() < deadline) continue;
            Volatile.Write(ref workerSleeps, 1);
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref posted) == seen && !Volatile.Read(ref stopping)) wake.Wait();
            else if (Interlocked.Exchange(ref workerSleeps, 0) == 0) wake.Wait(); // the caller saw the flag and releases once: take it
            deadline = Stopwatch.GetTimestamp() + PollTicks;
        }
    }

    private static readonly long PollTicks = Stopwatch.Frequency / 1000; // 1 ms: longer than a step's pauses between phases

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
        if (Interlocked.CompareExchange(ref workerSleeps, 0, 1) == 1) wake.Release();
        worker?.Join();
        wake.Dispose();
        joined.Dispose();
    }
}

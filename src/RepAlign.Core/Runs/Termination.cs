using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace RepAlign.Core.Runs;

/// <summary>
/// How a process that is told to stop records it. SIGTERM (a Slurm time limit, <c>kill</c>, systemd) and SIGINT
/// (Ctrl-C), once <see cref="Install"/>ed by the command line: every stage this process is running is marked
/// <see cref="StageState.Failed"/> in its run.json with <see cref="Reason"/>, its temporary files are removed, its run
/// folder locks are released, and the process exits with 128 + the signal's number (143, 130). A second SIGINT while
/// that is under way exits at once; a signal after the command has <see cref="Finished"/> only completes its exit.
/// Signals are process-wide, and so is this record of what the process has open.
/// </summary>
/// <remarks>
/// Stopping does not wait for a stage to notice: stages in native code (libtorch, ONNX Runtime) or without a
/// cancellation check would take their time, and Slurm kills after a grace period. Instead the stopping thread takes
/// <see cref="Gate"/>, which every manifest write and every new temporary file passes, so after it no other thread
/// writes a manifest or starts a file; what the stages were doing is abandoned with the process.
/// </remarks>
public static class Termination
{
    /// <summary>Taken by every manifest write and temporary-file creation, and for good by the stopping thread.</summary>
    internal static readonly Lock Gate = new();

    /// <summary>The last manifest written per path (its JSON), for the stages to mark when the process stops.</summary>
    private static readonly ConcurrentDictionary<string, string> Manifests = new(StringComparer.Ordinal);

    private static int stopping;

    /// <summary>The error writer of the <see cref="Install"/> call whose flow (its thread, tasks and timers) this is, if any.</summary>
    private static readonly AsyncLocal<TextWriter?> InstalledHere = new();
    private static readonly AsyncLocal<bool> IsStopper = new();

    /// <summary>Whether this process is stopping and the calling thread is not the one recording it.</summary>
    internal static bool Stopping => Volatile.Read(ref stopping) != 0 && !IsStopper.Value;

    /// <summary>Blocks the calling thread for good once the process is stopping (it is about to exit).</summary>
    internal static void ParkIfStopping()
    {
        if (Stopping) Thread.Sleep(Timeout.Infinite);
    }

    /// <summary>The message a stage terminated by <paramref name="signal"/> records.</summary>
    public static string Reason(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGTERM => "terminated by SIGTERM (for example a Slurm time limit)",
        PosixSignal.SIGINT => "terminated by SIGINT (Ctrl-C)",
        _ => $"terminated by {signal}",
    };

    /// <summary>The exit code after <paramref name="signal"/>: 128 + its number (SIGTERM 143, SIGINT 130).</summary>
    public static int ExitCode(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGTERM => 143,
        PosixSignal.SIGINT => 130,
        PosixSignal.SIGHUP => 129,
        _ => 1,
    };

    /// <summary>
    /// Handles SIGTERM and SIGINT for the rest of the process (the command line calls it once, first): each is
    /// recorded as above and ends the process; <paramref name="error"/> receives the one-line message. The handlers stay
    /// until the process is gone: once the command has <see cref="Finished"/>, a signal only ends the exit under way
    /// with the command's own code, where the runtime's default would exit 143 with no word.
    /// </summary>
    public static void Install(TextWriter error)
    {
        PosixSignalRegistration On(PosixSignal signal) => PosixSignalRegistration.Create(signal, context =>
        {
            context.Cancel = true;
            if (Volatile.Read(ref finishedWith) is int code)
            {
                // Every stage has ended and been recorded: the process is only exiting. Finish that, truthfully.
                error.Flush();
                Console.Out.Flush();
                Exit(code);
            }
            if (Volatile.Read(ref stopping) != 0)
            {
                // A second signal while the first is recorded (a hung disk, an impatient Ctrl-C): stop now.
                error.Flush();
                Exit(ExitCode(signal));
            }
            // Off the runtime's signal thread, so that a second signal is still delivered while this one is recorded.
            new Thread(() => Stop(Reason(signal), ExitCode(signal), error)) { IsBackground = true, Name = "RepAlign stop" }.Start();
        });
        InstalledHere.Value = error;
        registered = [On(PosixSignal.SIGTERM), On(PosixSignal.SIGINT)];
    }

    /// <summary>Kept for the life of the process: disposing one would restore the runtime's silent exit 143.</summary>
    private static PosixSignalRegistration[] registered = [];

    private static object? finishedWith;

    /// <summary>
    /// The command has returned <paramref name="exitCode"/>, and its run.json records say so: a signal from now on
    /// exits at once with that code instead of recording anything.
    /// </summary>
    public static void Finished(int exitCode)
    {
        InstalledHere.Value = null;
        Volatile.Write(ref finishedWith, exitCode);
    }

    /// <summary>The error writer when the calling flow runs under <see cref="Install"/> (the command line), else null.</summary>
    internal static TextWriter? InstalledError => InstalledHere.Value;

    /// <summary>
    /// A lock was broken by another process (<see cref="RunLock"/>): when it was taken under <see cref="Install"/> (its
    /// <paramref name="error"/> is not null), the process stops as for a signal, with exit code 1 and
    /// <paramref name="message"/>; a library caller's lock only reports <see cref="RunLock.Lost"/>.
    /// </summary>
    internal static void LockLost(string message, TextWriter? error)
    {
        if (error is not null) Stop(message, 1, error);
    }

    /// <summary>
    /// Records <paramref name="reason"/> as the end of every stage this process is running, removes its temporary
    /// files, releases its locks, prints one line to <paramref name="error"/> and exits with <paramref name="exitCode"/>.
    /// </summary>
    public static void Stop(string reason, int exitCode, TextWriter error)
    {
        if (Interlocked.Exchange(ref stopping, 1) != 0) return; // another thread records it already
        IsStopper.Value = true;
        string recorded;
        lock (Gate)
        {
            recorded = RecordEnd(reason);
            AtomicFile.DiscardOwn();
            RunLock.ReleaseAllForExit();
        }
        error.WriteLine($"error: {reason}; {recorded}");
        error.Flush();
        Console.Out.Flush();
        Exit(exitCode);
    }

    /// <summary>Writes a manifest (the one path every run.json write takes), unless the process is stopping.</summary>
    internal static void WriteManifest(string fullPath, RunManifest manifest)
    {
        var json = manifest.ToJson();
        while (true)
        {
            ParkIfStopping();
            lock (Gate)
            {
                if (Stopping) continue;
                AtomicFile.WriteText(fullPath, json);
                Manifests[fullPath] = json;
                return;
            }
        }
    }

    /// <summary>Marks the running stages this process holds in the manifests of folders it has locked; describes what it did.</summary>
    private static string RecordEnd(string reason)
    {
        var marked = new List<string>();
        foreach (var (path, json) in Manifests)
        {
            if (!RunLock.HeldHere(Path.GetDirectoryName(path)!)) continue; // finished and released: not ours any more
            RunManifest manifest;
            try { manifest = System.Text.Json.JsonSerializer.Deserialize<RunManifest>(json, RepAlignJson.Options)!; }
            catch (System.Text.Json.JsonException) { continue; }
            var now = DateTime.UtcNow;
            var running = manifest.Stages.Where(kv => kv.Value.State == StageState.Running && kv.Value.Holder == ProcessStamp.Current).ToArray();
            if (running.Length == 0) continue;
            foreach (var (name, record) in running)
            {
                manifest.Stages[name] = record with
                {
                    State = StageState.Failed,
                    Message = reason,
                    Seconds = record.StartedUtc is { } started ? (now - started).TotalSeconds : 0,
                };
                marked.Add($"stage '{name}' in {path}");
            }
            try { AtomicFile.WriteText(path, manifest.ToJson()); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { marked.Add($"(could not record it in {path}: {e.Message})"); }
        }
        return marked.Count == 0
            ? "no stage was running"
            : $"recorded as failed: {string.Join(", ", marked)}; run the same command again to resume";
    }

    private static void Exit(int code)
    {
        if (Libc.Available) Libc.Exit(code); // no exit handlers: the stages' threads and native libraries are mid-work
        Environment.Exit(code);
    }
}

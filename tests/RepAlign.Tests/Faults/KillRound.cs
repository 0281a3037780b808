using System.Diagnostics;
using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>What one interrupted command did: where it was hit, whether it still ran then, its exit code and standard error.</summary>
/// <param name="Where">The stage or task and the delay.</param>
/// <param name="Hit">Whether the process still ran when the signal was sent.</param>
/// <param name="Code">Its exit code.</param>
/// <param name="Err">Its standard error.</param>
public sealed record Interruption(string Where, bool Hit, int Code, string Err);

/// <summary>The kill harness's moves: start the real command line, wait for a stage, signal it at a random moment.</summary>
public static class KillRound
{
    /// <summary>The stage run.json shows running now, or null (not written yet, between stages, or unreadable mid-rename).</summary>
    public static string? Running(string run)
    {
        try
        {
            var path = Path.Combine(run, "run.json");
            if (!File.Exists(path)) return null;
            return RunManifest.Read(path).Stages.FirstOrDefault(s => s.Value.State == StageState.Running).Key;
        }
        catch (Exception e) when (e is IOException or RepAlign.Core.BadInputException)
        {
            return null;
        }
    }

    /// <summary>Sends <paramref name="signal"/> (KILL, TERM or INT) to the process.</summary>
    public static void Send(Process process, string signal)
    {
        if (signal == "KILL")
        {
            process.Kill(); // SIGKILL
            return;
        }
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        kill.WaitForExit();
    }

    /// <summary>
    /// Runs <paramref name="args"/>, waits until run.json in <paramref name="folder"/> shows <paramref name="stage"/>
    /// running (null: from the start), waits <paramref name="delay"/> more, sends <paramref name="signal"/> and waits for the end.
    /// </summary>
    public static async Task<Interruption> At(string[] args, string folder, string? stage, TimeSpan delay, string signal, TimeSpan limit)
    {
        using var process = TinyRuns.Start(args);
        _ = process.StandardOutput.ReadToEndAsync();
        var err = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + limit;
        if (stage is not null)
        {
            while (Running(folder) != stage && !process.HasExited && DateTime.UtcNow < deadline) await Task.Delay(5);
        }
        await Task.Delay(delay);
        var hit = !process.HasExited;
        if (hit) Send(process, signal);
        using var cancel = new CancellationTokenSource(limit);
        await process.WaitForExitAsync(cancel.Token);
        var where = $"{stage ?? "start"} + {delay.TotalSeconds:F2} s, SIG{signal}{(hit ? "" : " (finished before it)")}";
        return new Interruption(where, hit, process.ExitCode, await err);
    }

    /// <summary>
    /// <see cref="At"/> until the signal finds the command still running: a round whose command finished before its moment
    /// tests nothing, so it is tried again in a fresh folder (<paramref name="folder"/>-again1, …) at half the delay, at
    /// most <paramref name="attempts"/> times. Returns the last attempt (its <c>Where</c> names the attempt) and its folder.
    /// </summary>
    public static async Task<(Interruption Hit, string Folder)> Landing(Func<string, string[]> args, string folder, string? stage, TimeSpan delay,
        string signal, TimeSpan limit, int attempts = 4)
    {
        for (var attempt = 1; ; attempt++)
        {
            var f = attempt == 1 ? folder : $"{folder}-again{attempt - 1}";
            var hit = await At(args(f), f, stage, delay, signal, limit);
            if (hit.Hit || attempt >= attempts) return (attempt == 1 ? hit : hit with { Where = $"{hit.Where} (attempt {attempt})" }, f);
            delay /= 2;
        }
    }

    /// <summary>The stages `repalign runs` shows as interrupted in the run folder <paramref name="run"/>.</summary>
    public static async Task<string[]> ShownInterrupted(string run)
    {
        var (code, err, output) = await TinyRuns.RunAsync(["runs", Path.GetDirectoryName(run)!]);
        Assert.True(code == 0, err + output);
        var row = output.Split('\n').FirstOrDefault(l => l.Contains(Path.GetFileName(run), StringComparison.Ordinal)) ?? "";
        return row.Split(' ', '│').Where(w => w.EndsWith(":interrupted", StringComparison.Ordinal)).Select(w => w[..w.IndexOf(':')]).ToArray();
    }

    /// <summary>Whether a folder is free of a holder: no holder file left and nobody holding its lock.</summary>
    public static bool Released(string folder) =>
        !File.Exists(Path.Combine(folder, RunLock.HolderFileName)) && RunLock.Holder(folder) is null;
}

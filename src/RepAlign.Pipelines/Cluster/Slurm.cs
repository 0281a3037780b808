using System.Diagnostics;
using RepAlign.Core;

namespace RepAlign.Pipelines.Cluster;

/// <summary>What one Slurm command printed.</summary>
/// <param name="ExitCode">Its exit code.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Err">Standard error (Slurm's own messages).</param>
public sealed record SlurmOutput(int ExitCode, string Out, string Err);

/// <summary>Slurm's own commands (sbatch, squeue, scancel, sacct, scontrol), run as child processes; nothing home-made in between.</summary>
public static class Slurm
{
    /// <summary>The full path of a program found on PATH, or null.</summary>
    public static string? Find(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Stops with exit code 2 when sbatch is not on PATH.</summary>
    public static void RequireSbatch()
    {
        if (Find("sbatch") is null)
            Throw.BadInput("--executor slurm: sbatch not found on PATH, expected Slurm's client commands (sbatch, squeue, scancel) on this machine; run on a cluster login node, or use --executor local");
    }

    /// <summary>Runs a Slurm command and collects its output.</summary>
    public static SlurmOutput Run(string program, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        try
        {
            using var process = Process.Start(start)!;
            var err = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new SlurmOutput(process.ExitCode, output, err.GetAwaiter().GetResult());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return new SlurmOutput(127, "", $"{program}: {e.Message}");
        }
    }

    /// <summary>Submits a batch script with sbatch --parsable; a rejected submission is bad input carrying sbatch's own message.</summary>
    /// <returns>The job id.</returns>
    public static string Submit(IReadOnlyList<string> options, string script)
    {
        var result = Run("sbatch", ["--parsable", .. options, script]);
        var id = result.Out.Trim().Split(';')[0];
        if (result.ExitCode != 0 || id.Length == 0 || !id.All(char.IsAsciiDigit))
        {
            var message = (result.Err + result.Out).Trim();
            Throw.BadInput($"sbatch rejected the submission (exit code {result.ExitCode}): {message}");
        }
        return id;
    }

    /// <summary>Cancels jobs or array tasks (ids like 12 or 12_3); errors are ignored (the job may have ended).</summary>
    public static void Cancel(IEnumerable<string> ids)
    {
        var list = ids.ToArray();
        if (list.Length > 0) Run("scancel", list);
    }

    /// <summary>
    /// States of jobs and array tasks by id (12, 12_3): squeue for those in the queue, then sacct where accounting
    /// exists, then scontrol for jobs the controller still remembers; ids none of them knows are absent.
    /// </summary>
    public static IReadOnlyDictionary<string, string> States(IReadOnlyCollection<string> jobIds)
    {
        var states = new Dictionary<string, string>(StringComparer.Ordinal);
        if (jobIds.Count == 0 || Find("squeue") is null) return states;
        var queue = Run("squeue", ["-h", "-r", "-o", "%i|%T", "-j", string.Join(',', jobIds)]);
        foreach (var line in queue.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Trim().Split('|');
            if (parts.Length == 2) states[parts[0]] = parts[1];
        }
        // Jobs, or tasks of arrays, that left the queue: ask accounting, else the controller's memory of recent jobs.
        var ended = jobIds.ToArray();
        var sacct = Find("sacct") is null ? null : Run("sacct", ["-n", "-P", "-X", "-o", "JobID,State", "-j", string.Join(',', ended)]);
        if (sacct is { ExitCode: 0 } && sacct.Out.Trim().Length > 0)
        {
            foreach (var line in sacct.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var parts = line.Trim().Split('|');
                if (parts.Length == 2) states.TryAdd(parts[0], parts[1].Split(' ')[0]);
            }
            return states;
        }
        foreach (var job in ended)
        {
            var show = Run("scontrol", ["-o", "show", "job", job]);
            if (show.ExitCode != 0) continue;
            foreach (var line in show.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select(f => f.Split('=', 2)).Where(f => f.Length == 2).GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1]);
                if (!fields.TryGetValue("JobState", out var state)) continue;
                var id = fields.TryGetValue("ArrayTaskId", out var task) && fields.TryGetValue("ArrayJobId", out var array) ? $"{array}_{task}" : job;
                states.TryAdd(id, state);
            }
        }
        return states;
    }

    /// <summary>Whether a state means the job may still run (pending, running, configuring, completing, suspended, requeued).</summary>
    public static bool IsActive(string state) =>
        state is "PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "REQUEUED" or "RESIZING" or "REQUEUE_HOLD" or "REQUEUE_FED";
}

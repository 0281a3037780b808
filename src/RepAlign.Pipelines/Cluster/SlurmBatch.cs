using System.Text;
using RepAlign.Core;
using RepAlign.Core.Runs;

namespace RepAlign.Pipelines.Cluster;

/// <summary>
/// Submits the jobs of one submission, each through a small batch script that runs the same repalign command as a local
/// run would. When sbatch rejects any of them, the ones already submitted are cancelled, so no half-submitted run remains.
/// </summary>
/// <param name="root">The run, sweep or reproduction folder (scripts and logs go to its slurm/ folder).</param>
/// <param name="settings">sbatch options and the command.</param>
public sealed class SlurmBatch(string root, SlurmSettings settings)
{
    /// <summary>Stands for the array task's index in job arguments.</summary>
    public const string TaskIndex = "{task}";

    /// <summary>The sbatch option that has Slurm send SIGTERM to the batch script 60 s before a job's time limit.</summary>
    public const string TimeLimitSignal = "--signal=B:TERM@60";

    private readonly List<SubmittedJob> submitted = [];

    /// <summary>The jobs submitted so far, in order.</summary>
    public IReadOnlyList<SubmittedJob> Jobs => submitted;

    /// <summary>Submits one job (or an array when <paramref name="tasks"/> is not empty) running repalign with <paramref name="args"/>.</summary>
    /// <param name="role">What the job does; names its script and logs.</param>
    /// <param name="args">repalign's arguments; <see cref="TaskIndex"/> inside one stands for the array task index.</param>
    /// <param name="tasks">Array task indices, or empty for a single job.</param>
    /// <param name="after">Job or task ids to wait for.</param>
    /// <param name="dependency">afterok (default) or afterany.</param>
    /// <param name="cpus">--cpus-per-task RepAlign asks for (the user's --slurm-opt can change it), or null for Slurm's default.</param>
    public SubmittedJob Submit(string role, IReadOnlyList<string> args, IReadOnlyList<int> tasks, IReadOnlyCollection<string> after,
        string dependency = "afterok", int? cpus = 1)
    {
        var folder = ClusterJobs.Folder(root);
        Directory.CreateDirectory(Path.Combine(folder, "logs"));
        var script = Path.Combine(folder, $"{role}.sh");
        var text = Script(role, args);
        if (!File.Exists(script) || File.ReadAllText(script) != text) AtomicFile.WriteText(script, text);
        var log = Path.Combine(folder, "logs", tasks.Count > 0 ? $"{role}-%A_%a.out" : $"{role}-%j.out");
        var options = new List<string> { $"--job-name=repalign-{role}", $"--output={log}", $"--chdir={settings.WorkingDirectory}" };
        if (tasks.Count > 0) options.Add($"--array={Ranges(tasks)}");
        var dependsOn = after.Count > 0 ? $"{dependency}:{string.Join(':', after)}" : "";
        if (dependsOn.Length > 0) options.AddRange([$"--dependency={dependsOn}", "--kill-on-invalid-dep=yes"]);
        if (cpus is { } c) options.Add($"--cpus-per-task={c}");
        // SIGTERM to the job script (exec'd into repalign) 60 s before the time limit: the task records its stage as
        // terminated (Termination) instead of being killed without a record.
        options.Add(TimeLimitSignal);
        options.AddRange(settings.Options);
        string id;
        try
        {
            id = Slurm.Submit(options, script);
        }
        catch (BadInputException)
        {
            CancelAll();
            throw;
        }
        var job = new SubmittedJob { Role = role, JobId = id, Tasks = tasks.ToArray(), Dependency = dependsOn, Script = script, Log = log };
        submitted.Add(job);
        return job;
    }

    /// <summary>Cancels every job of this submission (after a rejection).</summary>
    public void CancelAll()
    {
        Slurm.Cancel(submitted.Select(j => j.JobId));
        submitted.Clear();
    }

    /// <summary>The batch script: runs repalign with the arguments, each quoted for sh.</summary>
    public string Script(string role, IReadOnlyList<string> args)
    {
        var line = string.Join(' ', settings.Command.Concat(args).Select(Quote));
        return $"#!/bin/sh\n# RepAlign cluster job: {role}. Without Slurm, the same command runs locally{(line.Contains("SLURM_ARRAY_TASK_ID", StringComparison.Ordinal) ? " with SLURM_ARRAY_TASK_ID set to the task" : "")}.\nexec {line}\n";
    }

    /// <summary>Array indices as sbatch writes them: 0-3,5,7-8.</summary>
    public static string Ranges(IEnumerable<int> tasks)
    {
        var sorted = tasks.Distinct().Order().ToArray();
        var parts = new List<string>();
        for (var i = 0; i < sorted.Length;)
        {
            var j = i;
            while (j + 1 < sorted.Length && sorted[j + 1] == sorted[j] + 1) j++;
            parts.Add(i == j ? $"{sorted[i]}" : $"{sorted[i]}-{sorted[j]}");
            i = j + 1;
        }
        return string.Join(',', parts);
    }

    private static string Quote(string arg)
    {
        var quoted = new StringBuilder("'").Append(arg.Replace("'", "'\\''")).Append('\'').ToString();
        return quoted.Replace(TaskIndex, "'\"$SLURM_ARRAY_TASK_ID\"'");
    }
}

using System.Text.Json;
using RepAlign.Core;
using RepAlign.Core.Runs;

namespace RepAlign.Pipelines.Cluster;

/// <summary>One Slurm job submitted for a run: a single job or an array (one task per point or shard).</summary>
public sealed record SubmittedJob
{
    /// <summary>What the job does: train, point, extract, fit, merge, gather, run, experiment name, report.</summary>
    public required string Role { get; init; }

    /// <summary>Slurm's job id.</summary>
    public required string JobId { get; init; }

    /// <summary>Array task ids (points or shards); empty for a single job.</summary>
    public IReadOnlyList<int> Tasks { get; init; } = [];

    /// <summary>Job ids this one waits for (afterok or afterany, see <see cref="Dependency"/>).</summary>
    public string Dependency { get; init; } = "";

    /// <summary>The batch script (absolute path).</summary>
    public required string Script { get; init; }

    /// <summary>Slurm's output file pattern (%A array job, %a task, %j job).</summary>
    public required string Log { get; init; }

    /// <summary>When it was submitted (UTC).</summary>
    public DateTime SubmittedUtc { get; init; } = DateTime.UtcNow;

    /// <summary>Whether a later submission replaced it (a gather or merge cancelled because its dependencies failed).</summary>
    public bool Superseded { get; init; }

    /// <summary>The log file of one task (or of the single job).</summary>
    public string LogOf(int? task) =>
        Log.Replace("%A", JobId).Replace("%j", JobId).Replace("%a", task?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "");

    /// <summary>The Slurm ids of its tasks (12_3), or the job id for a single job.</summary>
    public IReadOnlyList<string> TaskIds => Tasks.Count == 0 ? [JobId] : Tasks.Select(t => $"{JobId}_{t}").ToArray();
}

/// <summary>slurm/jobs.json in a run, sweep or reproduction folder: every job submitted for it, oldest first.</summary>
public static class ClusterJobs
{
    /// <summary>The folder of scripts, logs and jobs.json.</summary>
    public static string Folder(string root) => Path.Combine(root, "slurm");

    /// <summary>The path of jobs.json.</summary>
    public static string File(string root) => Path.Combine(Folder(root), "jobs.json");

    /// <summary>The jobs recorded for a folder (none when nothing was submitted).</summary>
    public static IReadOnlyList<SubmittedJob> Read(string root)
    {
        var path = File(root);
        if (!System.IO.File.Exists(path)) return [];
        return JsonFile.Read<SubmittedJob[]>(path, "RepAlign's list of submitted Slurm jobs (slurm/jobs.json)");
    }

    /// <summary>Writes the list atomically.</summary>
    public static void Write(string root, IReadOnlyList<SubmittedJob> jobs) =>
        AtomicFile.WriteText(File(root), JsonSerializer.Serialize(jobs, RepAlignJson.Options));
}

namespace RepAlign.Pipelines.Cluster;

/// <summary>One job or array task of a submitted run, as <c>repalign runs</c> shows it.</summary>
/// <param name="Folder">The run, sweep or reproduction folder (relative to the listed root).</param>
/// <param name="Role">What the job does.</param>
/// <param name="Id">Slurm's id (12 or 12_3).</param>
/// <param name="State">Slurm's state (squeue; sacct where accounting exists; scontrol for recently ended jobs), or "ended" when Slurm no longer knows it.</param>
/// <param name="Log">The task's log file.</param>
public sealed record ClusterJobRow(string Folder, string Role, string Id, string State, string Log);

/// <summary>The Slurm jobs recorded under a run store, with their current states.</summary>
public static class ClusterStatus
{
    /// <summary>Every task of every job recorded in slurm/jobs.json files under <paramref name="root"/>, in submission order.</summary>
    public static IReadOnlyList<ClusterJobRow> Rows(string root)
    {
        var files = Directory.EnumerateFiles(root, "jobs.json", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(f)) == "slurm").Order(StringComparer.Ordinal).ToArray();
        var recorded = files.Select(f => (Folder: Path.GetDirectoryName(Path.GetDirectoryName(f))!, Jobs: ClusterJobs.Read(Path.GetDirectoryName(Path.GetDirectoryName(f))!))).ToArray();
        var ids = recorded.SelectMany(r => r.Jobs.Select(j => j.JobId)).Distinct().ToArray();
        var states = Slurm.States(ids);
        var rows = new List<ClusterJobRow>();
        foreach (var (folder, jobs) in recorded)
        {
            var relative = Path.GetRelativePath(root, folder);
            foreach (var job in jobs)
            {
                var tasks = job.Tasks.Count == 0 ? [(int?)null] : job.Tasks.Select(t => (int?)t).ToArray();
                foreach (var task in tasks)
                {
                    var id = task is { } t ? $"{job.JobId}_{t}" : job.JobId;
                    var state = states.TryGetValue(id, out var s) ? s : states.TryGetValue(job.JobId, out var whole) ? whole : "ended";
                    if (job.Superseded) state += " (superseded)";
                    rows.Add(new ClusterJobRow(relative, job.Role, id, state, job.LogOf(task)));
                }
            }
        }
        return rows;
    }
}

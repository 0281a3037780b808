using RepAlign.Pipelines.Cluster;
using Xunit.Abstractions;

namespace RepAlign.Tests.Faults;

/// <summary>
/// <c>repalign reproduce --executor slurm</c> submitted twice: the second submission stops with exit 2 while the first
/// one's jobs are queued, and goes ahead once they have ended; every job asks for SIGTERM before its time limit. Slurm's
/// commands are stand-ins on PATH (shell scripts that log what they are asked and answer as a queue holding the jobs
/// would), so this runs where no Slurm does.
/// </summary>
[Collection("processes")]
public class ResubmissionTests(ITestOutputHelper output)
{
    /// <summary>sbatch, squeue, sacct, scontrol and scancel stand-ins in <paramref name="bin"/>; squeue shows every job pending while <c>queued</c> exists.</summary>
    private static void FakeSlurm(string bin)
    {
        Directory.CreateDirectory(bin);
        void Script(string name, string body)
        {
            var path = Path.Combine(bin, name);
            File.WriteAllText(path, $"#!/bin/sh\n{body}\n");
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        Script("sbatch", $"""echo "$*" >> '{bin}/sbatch.log'; n=$(cat '{bin}/next' 2>/dev/null || echo 1000); n=$((n+1)); echo $n > '{bin}/next'; echo $n""");
        Script("squeue", $"""[ -f '{bin}/queued' ] || exit 0; for id in $(echo "$*" | sed 's/.*-j //' | tr ',' ' '); do echo "$id|PENDING"; done""");
        Script("sacct", "exit 1");
        Script("scontrol", "exit 1");
        Script("scancel", $"""echo "$*" >> '{bin}/scancel.log'""");
    }

    [Fact]
    public async Task ReproduceIsNotSubmittedAgainWhileItsJobsAreQueued()
    {
        using var scratch = new ScratchFolder();
        var bin = scratch.File("slurm-bin");
        FakeSlurm(bin);
        var path = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        var out_ = scratch.File("repro");
        string[] args = ["reproduce", "--pipelines", TestPaths.Repo("pipelines"), "--profile", "smoke", "--only", "xor", "--out", out_, "--executor", "slurm"];

        var first = await TinyRuns.RunAsync(args, environment: path);
        Assert.True(first.Code == 0, first.Err + first.Out);
        var jobs = ClusterJobs.Read(out_);
        var recorded = File.ReadAllText(ClusterJobs.File(out_));
        Assert.Equal(["experiment-xor", "report"], jobs.Select(j => j.Role));
        Assert.All(File.ReadAllLines(Path.Combine(bin, "sbatch.log")), line => Assert.Contains("--signal=B:TERM@60", line));

        File.WriteAllText(Path.Combine(bin, "queued"), ""); // the jobs wait in the queue
        var again = await TinyRuns.RunAsync(args, environment: path);
        Assert.Equal(2, again.Code);
        Assert.Contains($"job {jobs[0].JobId} (experiment-xor) of an earlier submission is still queued or running", again.Err);
        Assert.Equal(recorded, File.ReadAllText(ClusterJobs.File(out_))); // nothing submitted, nothing recorded
        Assert.Equal(2, File.ReadAllLines(Path.Combine(bin, "sbatch.log")).Length);

        File.Delete(Path.Combine(bin, "queued")); // they ended
        var resubmitted = await TinyRuns.RunAsync(args, environment: path);
        Assert.True(resubmitted.Code == 0, resubmitted.Err + resubmitted.Out);
        Assert.Equal(4, ClusterJobs.Read(out_).Count);
        output.WriteLine($"queued: exit {again.Code}, {again.Err.Trim()}");
    }
}

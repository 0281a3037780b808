using System.Diagnostics;

namespace RepAlign.Tests.Pipelines.Cluster;

/// <summary>
/// A test that submits real Slurm jobs. Where no Slurm answers (sinfo), it is skipped with the reason shown, unless
/// REPALIGN_SLURM_REQUIRED=1 (set by .ci/run, which starts a single-node Slurm): then it runs and fails.
/// </summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    /// <summary>Whether CI promised a running Slurm.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("REPALIGN_SLURM_REQUIRED") == "1";

    /// <summary>sinfo's answer, or why there is none (computed once).</summary>
    public static Lazy<(bool Up, string Detail)> Probe { get; } = new(() =>
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("sinfo", ["-h", "-o", "%t"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            if (!p.WaitForExit(20_000)) return (false, "sinfo did not answer within 20 s");
            var up = p.ExitCode == 0 && output.Split('\n').Any(s => s.Trim() is "idle" or "mix" or "alloc" or "comp");
            return (up, output.Trim());
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, "sinfo: " + e.Message);
        }
    });

    /// <summary>Skips visibly when there is no Slurm and CI did not require one.</summary>
    public SlurmFactAttribute()
    {
        if (!Required && !Probe.Value.Up) Skip = $"no Slurm here ({Probe.Value.Detail}); .ci/run starts a single-node Slurm and sets REPALIGN_SLURM_REQUIRED=1";
    }

    /// <summary>Fails the test when Slurm was required but is not up.</summary>
    public static void EnsureUp() =>
        Assert.True(Probe.Value.Up, $"Slurm was expected (REPALIGN_SLURM_REQUIRED=1) but sinfo says: {Probe.Value.Detail}");
}

using System.Diagnostics;

namespace RepAlign.Tests;

/// <summary>Runs a program in a process of its own, from the repository root, and collects its output.</summary>
public static class ChildProcess
{
    /// <summary>The exit code and standard error followed by standard output; throws when <paramref name="timeout"/> passes.</summary>
    public static async Task<(int Code, string Output)> RunAsync(string program, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepoRoot,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stderr + await stdout);
    }
}

using System.Runtime.InteropServices;
using RepAlign.Core.Runs;

namespace RepAlign.Tests.Faults;

/// <summary>
/// A SIGTERM that arrives after the command has returned, while its process exits (the fault harness once caught one:
/// exit 143, no message, every stage done). With the handlers kept for the life of the process and the command
/// <see cref="Termination.Finished"/>, the exit completes with the command's own code and says nothing; before that,
/// the same signal is recorded as a termination with nothing running. Each case is its own <c>dotnet fsi</c> process
/// that installs the command line's handlers and signals itself, so the moment is exact.
/// </summary>
public class LateSignalTests
{
    private static async Task<(int Code, string Output)> SignalSelf(bool finished)
    {
        using var scratch = new ScratchFolder();
        var core = Path.Combine(AppContext.BaseDirectory, "RepAlign.Core.dll").Replace("\\", "/", StringComparison.Ordinal);
        var script = scratch.File("late-signal.fsx");
        File.WriteAllText(script, $$"""
            #r "{{core}}"
            RepAlign.Core.Runs.Termination.Install stderr
            {{(finished ? "RepAlign.Core.Runs.Termination.Finished 7" : "")}}
            let kill = System.Diagnostics.Process.Start("kill", [ "-TERM"; string System.Environment.ProcessId ])
            kill.WaitForExit()
            System.Threading.Thread.Sleep 60000
            printfn "the signal changed nothing"
            """);
        return await ChildProcess.RunAsync("dotnet", ["fsi", "--quiet", script], TimeSpan.FromMinutes(4));
    }

    [Fact]
    public async Task After_the_command_has_finished_a_SIGTERM_ends_the_exit_with_the_commands_own_code()
    {
        var (code, output) = await SignalSelf(finished: true);
        Assert.True(code == 7, $"exit {code}: {output}");
        Assert.DoesNotContain("terminated", output, StringComparison.Ordinal);
        Assert.DoesNotContain("changed nothing", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Before_it_has_finished_the_same_SIGTERM_is_recorded_as_a_termination_with_nothing_running()
    {
        var (code, output) = await SignalSelf(finished: false);
        Assert.True(code == Termination.ExitCode(PosixSignal.SIGTERM), $"exit {code}: {output}");
        Assert.Contains($"error: {Termination.Reason(PosixSignal.SIGTERM)}; no stage was running", output, StringComparison.Ordinal);
    }
}

namespace RepAlign.Tests.Cli;

/// <summary>Runs the command line in-process on writers of its own (never the process-wide Console), so CLI tests run in parallel.</summary>
public static class CliRunner
{
    /// <summary>The exit code and standard error of <c>repalign</c> with <paramref name="args"/>.</summary>
    public static (int Code, string Err) Run(params string[] args)
    {
        var (code, _, err) = RunAll(args);
        return (code, err);
    }

    /// <summary>The exit code, standard output and standard error of <c>repalign</c> with <paramref name="args"/>.</summary>
    public static (int Code, string Out, string Err) RunAll(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = RepAlign.Cli.Program.run(args, output, error, false);
        return (code, output.ToString(), error.ToString());
    }
}

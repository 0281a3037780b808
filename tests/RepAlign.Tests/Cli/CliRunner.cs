namespace RepAlign.Tests.Cli;

/// <summary>Runs the command line in-process and captures what it writes to standard error.</summary>
public static class CliRunner
{
    /// <summary>The exit code and standard error of <c>repalign</c> with <paramref name="args"/>.</summary>
    public static (int Code, string Err) Run(params string[] args)
    {
        var err = new StringWriter();
        var old = Console.Error;
        Console.SetError(err);
        try { return (RepAlign.Cli.Program.main(args), err.ToString()); }
        finally { Console.SetError(old); }
    }
}

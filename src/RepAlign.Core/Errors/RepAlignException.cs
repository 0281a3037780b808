namespace RepAlign.Core;

/// <summary>Base of every error RepAlign reports to its user; carries the process exit code.</summary>
public abstract class RepAlignException : Exception
{
    /// <summary>Creates the exception with a message that states what was found, what was expected and where.</summary>
    protected RepAlignException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>The exit code of the command line for this error.</summary>
    public abstract int ExitCode { get; }
}

/// <summary>Bad input (a file, a field, an argument): exit code 2, nothing half-written.</summary>
public sealed class BadInputException : RepAlignException
{
    /// <summary>Creates the exception; the message names the file, line or field, what was found and what was expected.</summary>
    public BadInputException(string message, Exception? inner = null) : base(message, inner) { }

    /// <inheritdoc />
    public override int ExitCode => 2;
}

/// <summary>A failure during work (diverged training, a native library that cannot load): exit code 1.</summary>
public sealed class WorkFailedException : RepAlignException
{
    /// <summary>Creates the exception with a message that says what failed and what to do.</summary>
    public WorkFailedException(string message, Exception? inner = null) : base(message, inner) { }

    /// <inheritdoc />
    public override int ExitCode => 1;
}

using System.Diagnostics.CodeAnalysis;

namespace RepAlign.Core;

/// <summary>The one place RepAlign throws its user-facing errors from.</summary>
public static class Throw
{
    /// <summary>Throws <see cref="BadInputException"/> with the given message.</summary>
    [DoesNotReturn]
    public static void BadInput(string message, Exception? inner = null) => throw new BadInputException(message, inner);

    /// <summary>Throws <see cref="BadInputException"/> for a value: "<paramref name="where"/>: found X, expected Y".</summary>
    [DoesNotReturn]
    public static void BadValue(string where, string found, string expected) =>
        throw new BadInputException($"{where}: found {found}, expected {expected}");

    /// <summary>Throws <see cref="BadInputException"/> and returns a value, for use in expressions.</summary>
    [DoesNotReturn]
    public static T BadInput<T>(string message, Exception? inner = null) => throw new BadInputException(message, inner);

    /// <summary>Throws <see cref="WorkFailedException"/> with the given message.</summary>
    [DoesNotReturn]
    public static void WorkFailed(string message, Exception? inner = null) => throw new WorkFailedException(message, inner);

    /// <summary>Throws <see cref="WorkFailedException"/> and returns a value, for use in expressions.</summary>
    [DoesNotReturn]
    public static T WorkFailed<T>(string message, Exception? inner = null) => throw new WorkFailedException(message, inner);
}

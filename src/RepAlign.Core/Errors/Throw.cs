using System.Diagnostics.CodeAnalysis;

namespace RepAlign.Core;

/// <summary>
/// The one place RepAlign throws from. User-facing errors (<see cref="BadInput(string, Exception?)"/>,
/// <see cref="WorkFailed(string, Exception?)"/>) carry an exit code; the argument and invariant kinds are a
/// caller's mistake inside the program (a broken precondition), never the user's input.
/// </summary>
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

    /// <summary>Throws <see cref="ArgumentException"/>: a caller passed <paramref name="parameter"/> outside what the method accepts.</summary>
    [DoesNotReturn]
    public static void Argument(string? parameter, string message) => throw new ArgumentException(message, parameter);

    /// <summary>Throws <see cref="ArgumentException"/> for an array or buffer of the wrong shape: "P has shape X; expected Y."</summary>
    [DoesNotReturn]
    public static void ShapeMismatch(string parameter, string found, string expected) =>
        throw new ArgumentException($"{parameter} has shape {found}; expected {expected}.", parameter);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value outside the range or set the method handles.</summary>
    [DoesNotReturn]
    public static void OutOfRange(string parameter, object? value, string message) =>
        throw new ArgumentOutOfRangeException(parameter, value, message);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> and returns a value, for use in expressions (switch arms).</summary>
    [DoesNotReturn]
    public static T OutOfRange<T>(string parameter, object? value, string message) =>
        throw new ArgumentOutOfRangeException(parameter, value, message);

    /// <summary>Throws <see cref="InvalidOperationException"/>: the object is not in a state the call needs (an invariant of the program).</summary>
    [DoesNotReturn]
    public static void Invariant(string message) => throw new InvalidOperationException(message);

    /// <summary>Throws <see cref="InvalidOperationException"/> and returns a value, for use in expressions (<c>x ?? Throw.Invariant&lt;T&gt;(…)</c>).</summary>
    [DoesNotReturn]
    public static T Invariant<T>(string message) => throw new InvalidOperationException(message);

    /// <summary>Throws <see cref="NotSupportedException"/>: a type or feature the code does not handle.</summary>
    [DoesNotReturn]
    public static void NotSupported(string message) => throw new NotSupportedException(message);

    /// <summary>Throws <see cref="NotSupportedException"/> and returns a value, for use in expressions.</summary>
    [DoesNotReturn]
    public static T NotSupported<T>(string message) => throw new NotSupportedException(message);
}

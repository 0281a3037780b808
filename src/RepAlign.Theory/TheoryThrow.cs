using System.Diagnostics.CodeAnalysis;

namespace RepAlign.Theory;

/// <summary>The one place RepAlign.Theory throws from; every message says what was found and what was expected.</summary>
internal static class TheoryThrow
{
    [DoesNotReturn]
    public static void Argument(string parameter, string message) =>
        throw new ArgumentException(message, parameter);

    [DoesNotReturn]
    public static void ShapeMismatch(string parameter, string found, string expected) =>
        throw new ArgumentException($"{parameter} has shape {found}; expected {expected}.", parameter);

    [DoesNotReturn]
    public static void Format(string source, string message) =>
        throw new FormatException($"{source}: {message}");
}

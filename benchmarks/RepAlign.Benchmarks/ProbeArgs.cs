using System.Globalization;

namespace RepAlign.Benchmarks;

/// <summary>The positional arguments of the probes (<c>-- name [n1] [n2] …</c>).</summary>
internal static class ProbeArgs
{
    /// <summary>The whole number at <paramref name="index"/>, or <paramref name="fallback"/> when absent.</summary>
    public static int Int(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;
}

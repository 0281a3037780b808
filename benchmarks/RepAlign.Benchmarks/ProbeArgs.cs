using System.Globalization;
using MathNet.Numerics.Statistics;

namespace RepAlign.Benchmarks;

/// <summary>What every probe shares: its positional arguments (<c>-- name [n1] [n2] …</c>), the median of its repeats
/// and a scratch folder removed afterwards.</summary>
internal static class ProbeArgs
{
    /// <summary>The whole number at <paramref name="index"/>, or <paramref name="fallback"/> when absent.</summary>
    public static int Int(string[] args, int index, int fallback) =>
        args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

    /// <summary>The median of the repeats (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values) => values.Median();

    /// <summary>A new, empty folder under the temporary directory, named after the probe; deleted on dispose.</summary>
    public static Scratch Folder(string probe) => new(Path.Combine(Path.GetTempPath(), $"repalign-{probe}-{Guid.NewGuid():N}"));

    /// <summary>A probe's scratch folder.</summary>
    public sealed class Scratch : IDisposable
    {
        internal Scratch(string path)
        {
            Path = path;
            Directory.CreateDirectory(path);
        }

        /// <summary>The folder.</summary>
        public string Path { get; }

        /// <summary>Deletes the folder and everything in it.</summary>
        public void Dispose()
        {
            if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
        }
    }
}

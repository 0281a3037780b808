using System.Globalization;
using System.Text.RegularExpressions;
using RepAlign.Core;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// A folder of ONNX checkpoints, one per epoch, from RepAlign or any exporter: the epoch is the last
/// integer in each file name (<c>epoch-003.onnx</c> → 3, <c>ckpt_12.onnx</c> → 12, <c>model.e7.onnx</c> → 7).
/// </summary>
public static partial class CheckpointFolder
{
    /// <summary>
    /// The <c>*.onnx</c> files of <paramref name="dir"/> (not its subfolders; extension in any case) with their
    /// epochs, ordered numerically. <see cref="BadInputException"/> when the folder is missing or holds no ONNX
    /// file, when a file name has no number, or when two files have the same epoch. Reads names only; call
    /// <see cref="ValidateSameArchitecture"/> to compare the models themselves.
    /// </summary>
    public static IReadOnlyList<(int Epoch, string Path)> Scan(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        if (!Directory.Exists(dir)) Throw.BadValue("--checkpoints", dir, "an existing folder of ONNX checkpoint files");
        var files = Directory.EnumerateFiles(dir)
            .Where(f => string.Equals(System.IO.Path.GetExtension(f), ".onnx", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            Throw.BadValue($"--checkpoints {dir}", "no .onnx files", "one ONNX file per epoch, the epoch in its name (epoch-003.onnx, ckpt_12.onnx, …)");

        var checkpoints = new List<(int Epoch, string Path)>(files.Count);
        var byEpoch = new Dictionary<int, string>();
        foreach (var file in files)
        {
            var name = System.IO.Path.GetFileName(file);
            var epoch = EpochOf(name);
            if (epoch is null)
                Throw.BadValue($"--checkpoints {dir}: file {name}", "no epoch number in its name",
                    "a number in every checkpoint's name, the last one being the epoch (epoch-003.onnx, ckpt_12.onnx, model.e7.onnx)");
            if (byEpoch.TryGetValue(epoch.Value, out var other))
                Throw.BadValue($"--checkpoints {dir}: files {System.IO.Path.GetFileName(other)} and {name}", $"the same epoch {epoch.Value}", "one file per epoch");
            byEpoch[epoch.Value] = file;
            checkpoints.Add((epoch.Value, file));
        }
        return checkpoints.OrderBy(c => c.Epoch).ToArray();
    }

    /// <summary>The epoch in a checkpoint file name: its last integer (extension removed), or null when it has none or it exceeds <see cref="int.MaxValue"/>.</summary>
    public static int? EpochOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var stem = System.IO.Path.GetFileNameWithoutExtension(fileName);
        var numbers = Digits().Matches(stem);
        if (numbers.Count == 0) return null;
        return int.TryParse(numbers[^1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) ? epoch : null;
    }

    /// <summary>
    /// Checks that every checkpoint has the architecture of the one before it (<see cref="ArchitectureSignature"/>:
    /// operator sequence, input shapes, initialiser names and shapes); <see cref="BadInputException"/> naming the
    /// first differing file, its epoch and what differs.
    /// </summary>
    public static void ValidateSameArchitecture(IReadOnlyList<(int Epoch, string Path)> checkpoints)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArchitectureSignature? previous = null;
        var previousPath = "";
        foreach (var (epoch, path) in checkpoints)
        {
            var signature = ArchitectureSignature.Of(path);
            if (previous?.FirstDifference(signature) is { } difference)
                Throw.BadInput($"{path} (epoch {epoch}): architecture differs from {previousPath}: {difference}; expected every checkpoint of one run to share one architecture");
            previous = signature;
            previousPath = path;
        }
    }

    [GeneratedRegex("[0-9]+", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();
}

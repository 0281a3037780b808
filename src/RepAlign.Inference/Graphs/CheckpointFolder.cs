using System.Text.RegularExpressions;
using RepAlign.Core;
using RepAlign.Core.Specs;

namespace RepAlign.Inference.Graphs;

/// <summary>One checkpoint file of a folder: its epoch (−1 when only the step is known) and step (null when unknown).</summary>
/// <param name="Epoch">The epoch its name gives, or −1 when it gives none (allowed on the step axis only).</param>
/// <param name="Step">The training step its name gives, or null.</param>
/// <param name="Path">The file.</param>
public sealed record CheckpointFile(int Epoch, long? Step, string Path)
{
    /// <summary>The checkpoint's time on <paramref name="axis"/>.</summary>
    public long Time(TimeAxis axis) => axis == TimeAxis.Step ? Step ?? -1 : Epoch;
}

/// <summary>How checkpoint names are read and ordered.</summary>
public sealed record CheckpointNaming
{
    /// <summary>A regular expression replacing the built-in rules of <see cref="CheckpointName"/>; null = the rules.</summary>
    public Regex? Pattern { get; init; }

    /// <summary>Order and identify checkpoints by epoch (default) or by step.</summary>
    public TimeAxis Time { get; init; } = TimeAxis.Epoch;
}

/// <summary>
/// A folder of ONNX checkpoints, one per epoch (or per step), from RepAlign or any exporter; the names are
/// read by <see cref="CheckpointName"/> (<c>epoch-003.onnx</c> → 3, <c>epoch=3-step=423.onnx</c> → epoch 3, step 423).
/// </summary>
public static class CheckpointFolder
{
    /// <summary>
    /// The <c>*.onnx</c> files of <paramref name="dir"/> (not its subfolders; extension in any case) with their
    /// epochs and steps, ordered by the time axis. <see cref="BadInputException"/> when the folder is missing or
    /// holds no ONNX file, when a file name gives no epoch (no step on the step axis), or when two files have the
    /// same time. Reads names only; call <see cref="ValidateSameArchitecture"/> to compare the models themselves.
    /// </summary>
    public static IReadOnlyList<CheckpointFile> Scan(string dir, CheckpointNaming? naming = null)
    {
        ArgumentNullException.ThrowIfNull(dir);
        naming ??= new CheckpointNaming();
        if (!Directory.Exists(dir)) Throw.BadValue("--checkpoints", dir, "an existing folder of ONNX checkpoint files");
        var files = Directory.EnumerateFiles(dir)
            .Where(f => string.Equals(System.IO.Path.GetExtension(f), ".onnx", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            Throw.BadValue($"--checkpoints {dir}", "no .onnx files", "one ONNX file per epoch, the epoch in its name (epoch-003.onnx, epoch=3-step=423.onnx, ckpt_12.onnx, …)");

        var step = naming.Time == TimeAxis.Step;
        var checkpoints = new List<CheckpointFile>(files.Count);
        var byTime = new Dictionary<long, string>();
        foreach (var file in files)
        {
            var name = System.IO.Path.GetFileName(file);
            var time = CheckpointName.Read(name, naming.Pattern);
            if (step && time.Step is null)
                Throw.BadValue($"--checkpoints {dir}: file {name}", "no step in its name",
                    naming.Pattern is null ? "step=M (or step-M, step_M) in every name for --time step, e.g. epoch=3-step=423.onnx" : "a group (?<step>[0-9]+) of --epoch-pattern that matches every name");
            if (!step && time.Epoch is null)
                Throw.BadValue($"--checkpoints {dir}: file {name}", naming.Pattern is null ? "no epoch number in its name" : "no epoch where --epoch-pattern matches its name",
                    naming.Pattern is null
                        ? "epoch=N, epoch-N, epoch_N or epN in every checkpoint's name, or else a number, the last one being the epoch (epoch-003.onnx, ckpt_12.onnx); --epoch-pattern REGEX for other names"
                        : $"--epoch-pattern {naming.Pattern} to match every checkpoint's name");
            var key = step ? time.Step!.Value : time.Epoch!.Value;
            if (byTime.TryGetValue(key, out var other))
                Throw.BadValue($"--checkpoints {dir}: files {System.IO.Path.GetFileName(other)} and {name}", $"the same {(step ? "step" : "epoch")} {key}",
                    step ? "one file per step" : time.Step is null ? "one file per epoch" : "one file per epoch, or --time step to order checkpoints by their steps");
            byTime[key] = file;
            checkpoints.Add(new CheckpointFile(time.Epoch ?? -1, time.Step, file));
        }
        return checkpoints.OrderBy(c => c.Time(naming.Time)).ToArray();
    }

    /// <summary>The epoch a file name gives by the built-in rules (<see cref="CheckpointName.Read"/>), or null.</summary>
    public static int? EpochOf(string fileName) => CheckpointName.Read(fileName).Epoch;

    /// <summary>
    /// Checks that every checkpoint computes the function of the one before it (<see cref="ArchitectureSignature"/>:
    /// the same graph modulo Identity nodes, shared initialisers, names and constant folding; weights may differ);
    /// <see cref="BadInputException"/> naming the first differing file, its epoch and the node that differs.
    /// </summary>
    public static void ValidateSameArchitecture(IReadOnlyList<CheckpointFile> checkpoints)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        ArchitectureSignature? previous = null;
        var previousPath = "";
        foreach (var c in checkpoints)
        {
            var signature = ArchitectureSignature.Of(c.Path);
            if (previous?.FirstDifference(signature) is { } difference)
                Throw.BadInput($"{c.Path} (epoch {c.Epoch}{(c.Step is { } s ? $", step {s}" : "")}): architecture differs from {previousPath}: {difference}; expected every checkpoint of one run to compute one function (names, Identity nodes, shared initialisers and constant folding may differ); put checkpoints of other architectures in folders of their own");
            previous = signature;
            previousPath = c.Path;
        }
    }
}

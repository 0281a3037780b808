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

/// <summary>Which files of a folder are checkpoints, and what a file holds of its own time besides its name.</summary>
public sealed record CheckpointFiles
{
    /// <summary>The ONNX checkpoints of RepAlign and any exporter.</summary>
    public static CheckpointFiles Onnx { get; } = new();

    /// <summary>File extensions with the dot, matched in any letter case.</summary>
    public IReadOnlyCollection<string> Extensions { get; init; } = [".onnx"];

    /// <summary>What the files are, for messages ("ONNX", "PyTorch weight").</summary>
    public string Kind { get; init; } = "ONNX";

    /// <summary>
    /// Reads a file's epoch and step from inside it (null where it holds none; PyTorch Lightning's checkpoints hold
    /// both), called once for every file; null = names only. A time inside a file wins over its name's; a name that
    /// gives another value is <see cref="BadInputException"/>.
    /// </summary>
    public Func<string, (int? Epoch, long? Step)>? Inside { get; init; }
}

/// <summary>
/// A folder of ONNX checkpoints, one per epoch (or per step), from RepAlign or any exporter; the names are
/// read by <see cref="CheckpointName"/> (<c>epoch-003.onnx</c> → 3, <c>epoch=3-step=423.onnx</c> → epoch 3, step 423).
/// </summary>
public static class CheckpointFolder
{
    /// <summary>
    /// The <c>*.onnx</c> files of <paramref name="dir"/> (not its subfolders; extension in any case; other files with
    /// <paramref name="kind"/>) with their epochs and steps, ordered by the time axis. <see cref="BadInputException"/>
    /// when the folder is missing or holds no such file, when a file gives no epoch (no step on the step axis), or
    /// when two files have the same time. Reads names only, and what <see cref="CheckpointFiles.Inside"/> reads; call
    /// <see cref="ValidateSameArchitecture"/> to compare ONNX models themselves.
    /// </summary>
    public static IReadOnlyList<CheckpointFile> Scan(string dir, CheckpointNaming? naming = null, CheckpointFiles? kind = null)
    {
        ArgumentNullException.ThrowIfNull(dir);
        naming ??= new CheckpointNaming();
        kind ??= CheckpointFiles.Onnx;
        var extensions = string.Join(", ", kind.Extensions);
        if (!Directory.Exists(dir)) Throw.BadValue("--checkpoints", dir, $"an existing folder of {kind.Kind} checkpoint files");
        var files = Directory.EnumerateFiles(dir)
            .Where(f => kind.Extensions.Contains(System.IO.Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            Throw.BadValue($"--checkpoints {dir}", $"no {extensions} files", $"one {kind.Kind} file per epoch, the epoch in its name (epoch-003{kind.Extensions.First()}, epoch=3-step=423{kind.Extensions.First()}, ckpt_12{kind.Extensions.First()}, …)");

        var step = naming.Time == TimeAxis.Step;
        var checkpoints = new List<CheckpointFile>(files.Count);
        var byTime = new Dictionary<long, string>();
        foreach (var file in files)
        {
            var name = System.IO.Path.GetFileName(file);
            var time = CheckpointName.Read(name, naming.Pattern);
            if (kind.Inside is { } inside) time = Merge(file, time, inside(file));
            if (step && time.Step is null)
                Throw.BadValue($"--checkpoints {dir}: file {name}", "no step in its name",
                    naming.Pattern is null ? $"step=M (or step-M, step_M) in every name for --time step, e.g. epoch=3-step=423{kind.Extensions.First()}" : "a group (?<step>[0-9]+) of --epoch-pattern that matches every name");
            if (!step && time.Epoch is null)
                Throw.BadValue($"--checkpoints {dir}: file {name}", naming.Pattern is null ? "no epoch number in its name" : "no epoch where --epoch-pattern matches its name",
                    naming.Pattern is null
                        ? $"epoch=N, epoch-N, epoch_N or epN in every checkpoint's name, or else a number, the last one being the epoch (epoch-003{kind.Extensions.First()}, ckpt_12{kind.Extensions.First()}); --epoch-pattern REGEX for other names"
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

    /// <summary>A file's time: what it holds inside wins; a name that explicitly gives another value is bad input.</summary>
    private static CheckpointTime Merge(string file, CheckpointTime name, (int? Epoch, long? Step) inside)
    {
        var fileName = System.IO.Path.GetFileName(file);
        if (inside.Epoch is { } e && name.Epoch is { } ne && e != ne && name.Rule != "last number") // the last number is a guess; an explicit epoch=N is not
            Throw.BadInput($"{file}: its name gives epoch {ne} ({name.Rule}), the file holds epoch {e}; expected both to agree (rename the file, or --epoch-pattern)");
        if (inside.Step is { } s && name.Step is { } ns && s != ns)
            Throw.BadInput($"{file}: its name gives step {ns}, the file holds step {s}; expected both to agree (rename the file)");
        return new CheckpointTime(inside.Epoch ?? name.Epoch, inside.Step ?? name.Step, inside.Epoch is null ? name.Rule : $"inside {fileName}");
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

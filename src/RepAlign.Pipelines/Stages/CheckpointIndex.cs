using System.Text.Json;
using RepAlign.Core;
using RepAlign.Core.Runs;

namespace RepAlign.Pipelines.Stages;

/// <summary>One checkpoint of a run: its epoch, file (relative to the checkpoints folder) and SHA-256.</summary>
/// <param name="Epoch">Epoch whose pre-update weights the file holds.</param>
/// <param name="File">File name inside the checkpoints folder.</param>
/// <param name="Sha256">Content hash.</param>
public sealed record CheckpointEntry(int Epoch, string File, string Sha256);

/// <summary>checkpoints/index.json: the provenance of a run's checkpoints.</summary>
public static class CheckpointIndex
{
    /// <summary>Writes the index atomically.</summary>
    public static void Write(string path, IReadOnlyList<CheckpointEntry> entries) =>
        AtomicFile.WriteText(path, JsonSerializer.Serialize(entries, RepAlignJson.Options));

    /// <summary>
    /// Reads a run's index and checks that every checkpoint was written for the run's spec (train.threads aside); a
    /// checkpoint folder written for another spec is refused with the mismatch named.
    /// </summary>
    public static IReadOnlyList<CheckpointEntry> ReadMatching(Runner.RunLayout layout, Core.Specs.ExperimentSpec spec)
    {
        var entries = Read(layout.CheckpointIndex);
        foreach (var entry in entries)
            Inference.Graphs.CheckpointMetadata.EnsureMatches(Path.Combine(layout.Checkpoints, entry.File),
                new Core.Checkpoints.CheckpointInfo(spec.Model, spec.Data, spec.Train, entry.Epoch), ["train.threads"]);
        return entries;
    }

    /// <summary>Reads the index; a missing or malformed one is bad input naming the file.</summary>
    public static IReadOnlyList<CheckpointEntry> Read(string path)
    {
        if (!System.IO.File.Exists(path)) Throw.BadInput($"{path}: checkpoint index not found; run the train stage first");
        return JsonFile.Read<CheckpointEntry[]>(path, "a checkpoint index (a list of epoch, file, sha256)");
    }
}

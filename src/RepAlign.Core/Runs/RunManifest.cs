using System.Text.Json;
using RepAlign.Core.Specs;

namespace RepAlign.Core.Runs;

/// <summary>States of a stage in a run.</summary>
public enum StageState
{
    /// <summary>Not run yet.</summary>
    Pending,
    /// <summary>Started and not finished (a crash leaves this; the next run redoes it).</summary>
    Running,
    /// <summary>Finished; outputs valid for <see cref="StageRecord.CacheKey"/>.</summary>
    Done,
    /// <summary>Failed; see <see cref="StageRecord.Message"/>.</summary>
    Failed,
}

/// <summary>What run.json records of one stage.</summary>
public sealed record StageRecord
{
    /// <summary>State.</summary>
    public StageState State { get; init; } = StageState.Pending;

    /// <summary>Hash of the stage's parameters and its inputs' hashes.</summary>
    public string CacheKey { get; init; } = "";

    /// <summary>The stage's typed parameters as hashed into <see cref="CacheKey"/>, so a later plan can name the setting that changed.</summary>
    public JsonElement? Parameters { get; init; }

    /// <summary>When the stage last started (UTC).</summary>
    public DateTime? StartedUtc { get; init; }

    /// <summary>Wall-clock seconds of the last execution.</summary>
    public double Seconds { get; init; }

    /// <summary>A human message: why it failed, or a summary of what it did.</summary>
    public string Message { get; init; } = "";

    /// <summary>Output files (relative to the run folder) and their SHA-256.</summary>
    public SortedDictionary<string, string> Outputs { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Every file the stage declared it reads and its SHA-256 ("absent" for an optional input that was missing): paths
    /// relative to the run folder for earlier stages' outputs, absolute for files outside it (data sets, pair CSVs).
    /// </summary>
    public SortedDictionary<string, string> Inputs { get; init; } = new(StringComparer.Ordinal);
}

/// <summary>A checkpoint file a reanalysis read: its path, and the epoch and step read from its name.</summary>
/// <param name="File">The checkpoint's full path.</param>
/// <param name="Epoch">Its epoch (−1 when its name gives only a step).</param>
/// <param name="Step">Its training step, or null when its name gives none.</param>
public sealed record ReadCheckpoint(string File, int Epoch, long? Step);

/// <summary>run.json: the full resolved spec, versions, and per-stage states, keys, timings and hashes.</summary>
public sealed record RunManifest
{
    /// <summary>The pipeline file the run came from (as given).</summary>
    public string Pipeline { get; init; } = "";

    /// <summary>The run's identifier (its folder name).</summary>
    public string RunId { get; init; } = "";

    /// <summary>When the run folder was created (UTC).</summary>
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;

    /// <summary>The resolved spec (after defaults and --set).</summary>
    public ExperimentSpec Spec { get; init; } = new();

    /// <summary>The --set overrides as given.</summary>
    public IReadOnlyList<string> Overrides { get; init; } = [];

    /// <summary>Files the run read from outside its folder (e.g. foreign checkpoints) and their SHA-256.</summary>
    public SortedDictionary<string, string> Inputs { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Foreign checkpoints a reanalysis read, in time order, with the epoch and step their names gave (empty otherwise).</summary>
    public IReadOnlyList<ReadCheckpoint> Checkpoints { get; init; } = [];

    /// <summary>Versions of RepAlign, .NET, the OS and the native libraries.</summary>
    public SortedDictionary<string, string> Versions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Stage records by stage name.</summary>
    public SortedDictionary<string, StageRecord> Stages { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Reads run.json; a malformed file is bad input naming the file.</summary>
    public static RunManifest Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<RunManifest>(File.ReadAllText(path), RepAlignJson.Options)
                   ?? Throw.BadInput<RunManifest>($"{path}: empty manifest, expected a RepAlign run.json");
        }
        catch (JsonException e)
        {
            return Throw.BadInput<RunManifest>($"{path}: malformed run.json at line {e.LineNumber + 1}: {e.Message}");
        }
    }

    /// <summary>Writes run.json atomically.</summary>
    public void Write(string path) => AtomicFile.WriteText(path, JsonSerializer.Serialize(this, RepAlignJson.Options));
}

using System.Text.Json;
using System.Text.Json.Serialization;
using RepAlign.Core.Specs;

namespace RepAlign.Core.Runs;

/// <summary>States of a stage in a run.</summary>
public enum StageState
{
    /// <summary>Not run yet.</summary>
    Pending,
    /// <summary>Started, and its holder (<see cref="StageRecord.Holder"/>) still runs.</summary>
    Running,
    /// <summary>Finished; outputs valid for <see cref="StageRecord.CacheKey"/>.</summary>
    Done,
    /// <summary>Failed, or terminated by a signal; see <see cref="StageRecord.Message"/>. The next run redoes it.</summary>
    Failed,
    /// <summary>
    /// Started by a process that ended without recording how (SIGKILL, a native abort, a lost node): what a record
    /// still saying <see cref="Running"/> is shown as once its holder is gone (<see cref="StageStatus"/>). The next run redoes it.
    /// </summary>
    Interrupted,
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

    /// <summary>The process that ran the stage (written with <see cref="StageState.Running"/>), so a record left by a dead one reads as <see cref="StageState.Interrupted"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ProcessStamp? Holder { get; init; }

    /// <summary>A human message: why it failed, or a summary of what it did.</summary>
    public string Message { get; init; } = "";

    /// <summary>Output files (relative to the run folder) and their SHA-256.</summary>
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)] // read into the ordinal dictionary, so keys keep one order
    public SortedDictionary<string, string> Outputs { get; init; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Every file the stage declared it reads and its SHA-256 ("absent" for an optional input that was missing): paths
    /// relative to the run folder for earlier stages' outputs, absolute for files outside it (data sets, pair CSVs).
    /// </summary>
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)] // read into the ordinal dictionary, so keys keep one order
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
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)] // read into the ordinal dictionary, so keys keep one order
    public SortedDictionary<string, string> Inputs { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Foreign checkpoints a reanalysis read, in time order, with the epoch and step their names gave (empty otherwise).</summary>
    public IReadOnlyList<ReadCheckpoint> Checkpoints { get; init; } = [];

    /// <summary>Versions of RepAlign, .NET, the OS and the native libraries.</summary>
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)] // read into the ordinal dictionary, so keys keep one order
    public SortedDictionary<string, string> Versions { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Stage records by stage name.</summary>
    [JsonObjectCreationHandling(JsonObjectCreationHandling.Populate)] // read into the ordinal dictionary, so keys keep one order
    public SortedDictionary<string, StageRecord> Stages { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Reads run.json; a malformed file is bad input naming the file (<see cref="JsonFile"/>).</summary>
    public static RunManifest Read(string path) => JsonFile.Read<RunManifest>(path, "a RepAlign run.json");

    /// <summary>
    /// Writes run.json atomically and durably. A stage recorded as running without a holder gets this process's
    /// <see cref="ProcessStamp"/>. Once <see cref="Termination"/> has begun, no other thread writes a manifest.
    /// </summary>
    public void Write(string path) => Termination.WriteManifest(Path.GetFullPath(path), Stamped());

    /// <summary>This manifest with every running stage that has no holder stamped with this process.</summary>
    private RunManifest Stamped()
    {
        if (!Stages.Values.Any(r => r is { State: StageState.Running, Holder: null })) return this;
        var stages = new SortedDictionary<string, StageRecord>(StringComparer.Ordinal);
        foreach (var (name, record) in Stages)
            stages[name] = record is { State: StageState.Running, Holder: null } ? record with { Holder = ProcessStamp.Current } : record;
        return this with { Stages = stages };
    }

    /// <summary>The manifest as run.json holds it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, RepAlignJson.Options);
}

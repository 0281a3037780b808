using System.Text.Json;
using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Cluster;

/// <summary>What a finished shard records: the key of the settings and inputs it was computed from.</summary>
/// <param name="Key">Hash of the stage's parameters, its inputs and the shard's position.</param>
/// <param name="Items">Checkpoints or pairs the shard covered.</param>
public sealed record ShardMarker(string Key, int Items);

/// <summary>How a single run's extraction and fitting split into shards: contiguous ranges, each shard in its own folder.</summary>
public static class ShardPlan
{
    /// <summary>The half-open range [start, end) of shard <paramref name="k"/> of <paramref name="n"/> over <paramref name="count"/> items (sizes differ by at most one).</summary>
    public static (int Start, int End) Range(int count, int k, int n)
    {
        if (n < 1) Throw.BadValue("--shards", n.ToString(System.Globalization.CultureInfo.InvariantCulture), "an integer ≥ 1");
        if (k < 0 || k >= n) Throw.BadValue("--task shard", $"{k} of {n}", $"a shard index from 0 to {n - 1}");
        return ((int)((long)count * k / n), (int)((long)count * (k + 1) / n));
    }

    /// <summary>The folder of one shard's files: shards/&lt;stage&gt;-K-of-N under the run folder.</summary>
    public static string Folder(RunLayout layout, string stage, int k, int n) =>
        Path.Combine(layout.Root, "shards", $"{stage}-{k:D3}-of-{n:D3}");

    /// <summary>The marker a finished shard writes last.</summary>
    public static string MarkerPath(string folder) => Path.Combine(folder, "done.json");

    /// <summary>The shard's marker, or null when it has not finished.</summary>
    public static ShardMarker? ReadMarker(string folder)
    {
        var path = MarkerPath(folder);
        if (!File.Exists(path)) return null;
        try { return JsonSerializer.Deserialize<ShardMarker>(File.ReadAllText(path), RepAlignJson.Options); }
        catch (JsonException) { return null; } // a marker that cannot be read means: not finished
    }

    /// <summary>
    /// Writes the marker atomically, after every file of the shard: each table was committed durably (synced to disk,
    /// then renamed, <see cref="AtomicFile.Commit"/>) before this is called, so a marker that survives a crash never
    /// points at a truncated table.
    /// </summary>
    public static void WriteMarker(string folder, ShardMarker marker) =>
        AtomicFile.WriteText(MarkerPath(folder), JsonSerializer.Serialize(marker, RepAlignJson.Options));

    /// <summary>Whether shard k of n of a stage finished with the given key.</summary>
    public static bool IsDone(RunLayout layout, string stage, int k, int n, string key) =>
        ReadMarker(Folder(layout, stage, k, n)) is { } m && m.Key == key;
}

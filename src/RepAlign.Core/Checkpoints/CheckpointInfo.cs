using System.Text.Json;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;

namespace RepAlign.Core.Checkpoints;

/// <summary>
/// The provenance a RepAlign checkpoint carries in its metadata (<see cref="OnnxNames.SpecKey"/> and friends): written by
/// the training core, read and compared by extraction, so both sides agree on one format.
/// </summary>
/// <param name="Model">The model spec.</param>
/// <param name="Data">The data spec.</param>
/// <param name="Train">The training spec (its seed is also written on its own).</param>
/// <param name="Epoch">The epoch whose update had not yet been applied to these weights.</param>
public sealed record CheckpointInfo(ModelSpec Model, DataSpec Data, TrainSpec Train, int Epoch)
{
    /// <summary>The spec JSON written under <see cref="OnnxNames.SpecKey"/>: {"model": …, "data": …, "train": …}.</summary>
    public string SpecJson => JsonSerializer.Serialize(new { model = Model, data = Data, train = Train }, RepAlignJson.Compact);

    /// <summary>
    /// The spec fields (dotted keys such as <c>model.width</c>) whose values differ between a checkpoint's spec JSON and
    /// this one, each as "key: checkpoint has X, run has Y", then the epoch if it differs; empty when they agree. Keys in
    /// <paramref name="ignore"/> (e.g. <c>train.epochs</c>) are not compared.
    /// </summary>
    /// <param name="path">The checkpoint (for the message when its JSON is malformed).</param>
    /// <param name="specJson">The checkpoint's spec JSON.</param>
    /// <param name="epoch">The checkpoint's epoch.</param>
    /// <param name="ignore">Keys not compared.</param>
    public IReadOnlyList<string> Differences(string path, string specJson, int epoch, IReadOnlyCollection<string>? ignore = null)
    {
        var mine = Flatten(path, specJson);
        var theirs = Flatten(path, SpecJson);
        if (ignore is not null)
            foreach (var key in ignore) { mine.Remove(key); theirs.Remove(key); }
        var differences = JsonFlatten.Changes(mine, theirs).Select(c => $"{c.Key}: checkpoint has {c.Before}, run has {c.After}").ToList();
        if (epoch != Epoch) differences.Add($"epoch: checkpoint has {epoch}, run expects {Epoch}");
        return differences;
    }

    private static SortedDictionary<string, string> Flatten(string path, string json)
    {
        try
        {
            return JsonFlatten.Of(json);
        }
        catch (JsonException e)
        {
            return Throw.BadInput<SortedDictionary<string, string>>($"{path}: metadata {OnnxNames.SpecKey} is not JSON ({e.Message})");
        }
    }
}

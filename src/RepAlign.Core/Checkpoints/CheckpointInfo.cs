using System.Text.Json;
using System.Text.Json.Nodes;
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
        var differences = new List<string>();
        foreach (var key in mine.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal))
        {
            if (ignore?.Contains(key) == true) continue;
            var a = mine.GetValueOrDefault(key, "(absent)");
            var b = theirs.GetValueOrDefault(key, "(absent)");
            if (a != b) differences.Add($"{key}: checkpoint has {a}, run has {b}");
        }
        if (epoch != Epoch) differences.Add($"epoch: checkpoint has {epoch}, run expects {Epoch}");
        return differences;
    }

    private static Dictionary<string, string> Flatten(string path, string json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            return Throw.BadInput<Dictionary<string, string>>($"{path}: metadata {OnnxNames.SpecKey} is not JSON ({e.Message})");
        }
        void Walk(JsonNode? node, string prefix)
        {
            if (node is JsonObject obj)
                foreach (var (key, child) in obj) Walk(child, prefix.Length == 0 ? key : $"{prefix}.{key}");
            else
                result[prefix] = node?.ToJsonString() ?? "null";
        }
        Walk(root, "");
        return result;
    }
}

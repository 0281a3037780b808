using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Onnx;
using RepAlign.Core;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Training.Onnx;

/// <summary>The provenance a RepAlign checkpoint carries in its metadata_props.</summary>
/// <param name="Path">The file.</param>
/// <param name="SpecJson">{"model": …, "data": …, "train": …} as written by <see cref="OnnxExporter.SpecJsonOf"/>.</param>
/// <param name="Epoch">The epoch whose update had not yet been applied.</param>
/// <param name="Seed">The training seed.</param>
/// <param name="Version">The RepAlign version that wrote the file.</param>
public sealed record CheckpointMetadata(string Path, string SpecJson, int Epoch, int Seed, string Version)
{
    private const int MetadataPropsField = 14; // ModelProto.metadata_props

    /// <summary>
    /// Reads the metadata without loading the graph (the weights are skipped, not parsed). Throws
    /// <see cref="BadInputException"/> naming the file when it is unreadable or not a RepAlign checkpoint.
    /// </summary>
    public static CheckpointMetadata Read(string path)
    {
        var props = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var stream = File.OpenRead(path);
            using var input = new CodedInputStream(stream);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == MetadataPropsField && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    var entry = new StringStringEntryProto();
                    input.ReadMessage(entry);
                    props[entry.Key] = entry.Value;
                }
                else
                {
                    input.SkipLastField();
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidProtocolBufferException)
        {
            Throw.BadInput($"{path}: cannot read the checkpoint ({e.Message})");
        }
        string Get(string key) => props.TryGetValue(key, out var v) ? v
            : Throw.BadInput<string>($"{path}: metadata key {key} is missing; expected a RepAlign checkpoint (keys {OnnxNames.SpecKey}, {OnnxNames.EpochKey}, {OnnxNames.SeedKey})");
        int Int(string key) => int.TryParse(Get(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v
            : Throw.BadInput<int>($"{path}: metadata {key}: found '{Get(key)}', expected an integer");
        return new CheckpointMetadata(path, Get(OnnxNames.SpecKey), Int(OnnxNames.EpochKey), Int(OnnxNames.SeedKey), props.GetValueOrDefault(OnnxNames.VersionKey, ""));
    }

    /// <summary>
    /// The spec fields (dotted keys such as <c>model.width</c>) whose values differ between this
    /// checkpoint and <paramref name="expected"/>, each as "key: checkpoint has X, run has Y"; empty when
    /// they agree. Keys in <paramref name="ignore"/> (e.g. <c>train.epochs</c>) are not compared.
    /// </summary>
    public IReadOnlyList<string> Differences(CheckpointInfo expected, IReadOnlyCollection<string>? ignore = null)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var mine = Flatten(SpecJson);
        var theirs = Flatten(OnnxExporter.SpecJsonOf(expected));
        var differences = new List<string>();
        foreach (var key in mine.Keys.Union(theirs.Keys).Order(StringComparer.Ordinal))
        {
            if (ignore?.Contains(key) == true) continue;
            var a = mine.GetValueOrDefault(key, "(absent)");
            var b = theirs.GetValueOrDefault(key, "(absent)");
            if (a != b) differences.Add($"{key}: checkpoint has {a}, run has {b}");
        }
        if (Epoch != expected.Epoch) differences.Add($"epoch: checkpoint has {Epoch}, run expects {expected.Epoch}");
        return differences;
    }

    /// <summary>Throws <see cref="BadInputException"/> naming the file and every mismatch when the checkpoint was not written by a run of <paramref name="expected"/>.</summary>
    public static CheckpointMetadata EnsureMatches(string path, CheckpointInfo expected, IReadOnlyCollection<string>? ignore = null)
    {
        var metadata = Read(path);
        var differences = metadata.Differences(expected, ignore);
        if (differences.Count > 0)
            Throw.BadInput($"{path}: the checkpoint does not match the run's spec: {string.Join("; ", differences)}");
        return metadata;
    }

    private Dictionary<string, string> Flatten(string json)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            return Throw.BadInput<Dictionary<string, string>>($"{Path}: metadata {OnnxNames.SpecKey} is not JSON ({e.Message})");
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

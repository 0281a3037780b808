using System.Globalization;
using Google.Protobuf;
using Onnx;
using RepAlign.Core;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Inference.Graphs;

/// <summary>The provenance a RepAlign checkpoint carries in its metadata_props.</summary>
/// <param name="Path">The file.</param>
/// <param name="SpecJson">{"model": …, "data": …, "train": …} as <see cref="CheckpointInfo.SpecJson"/> writes it.</param>
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

    /// <summary>Throws <see cref="BadInputException"/> naming the file and every mismatch when the checkpoint was not written by a run of <paramref name="expected"/>.</summary>
    public static CheckpointMetadata EnsureMatches(string path, CheckpointInfo expected, IReadOnlyCollection<string>? ignore = null)
    {
        var metadata = Read(path);
        var differences = expected.Differences(path, metadata.SpecJson, metadata.Epoch, ignore);
        if (differences.Count > 0)
            Throw.BadInput($"{path}: the checkpoint does not match the run's spec: {string.Join("; ", differences)}");
        return metadata;
    }
}

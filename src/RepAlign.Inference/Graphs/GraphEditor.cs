using Google.Protobuf;
using Onnx;
using RepAlign.Core;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// Edits foreign ONNX graphs just enough to read hidden layers: intermediate values become graph outputs;
/// every node, weight and attribute stays as it is, so the edited model computes exactly what the original does.
/// </summary>
public static class GraphEditor
{
    /// <summary>
    /// Reads the model at <paramref name="path"/> and exposes <paramref name="valueNames"/> as outputs; see
    /// <see cref="ExposeOutputs(byte[], IReadOnlyList{string}, string)"/>. Weights in external data files
    /// (beside <paramref name="path"/>) are read into the returned model, so it loads from any folder.
    /// </summary>
    public static byte[] ExposeOutputs(string path, IReadOnlyList<string> valueNames)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(valueNames);
        var proto = OnnxModelFile.Load(path);
        ExternalData.Inline(proto, path);
        ExposeOutputs(proto, valueNames, path);
        return proto.ToByteArray();
    }

    /// <summary>
    /// Returns the model with each of <paramref name="valueNames"/> added as a graph output, after the
    /// existing outputs and in the order given; a value that already is an output is left alone, so the edit
    /// is idempotent. Each new output carries the declared or inferred element type and shape, or only the
    /// element type (float32 unless known otherwise) when the shape is unknown: ONNX Runtime runs without it.
    /// A name no node computes is <see cref="BadInputException"/> listing the candidate layers, nearest first.
    /// Models whose weights live in external data files must be written beside the original to load (the path
    /// overload reads them in instead).
    /// </summary>
    /// <param name="model">The ONNX model bytes.</param>
    /// <param name="valueNames">Names of values computed by nodes of the main graph.</param>
    /// <param name="source">Names the model in messages (its path).</param>
    public static byte[] ExposeOutputs(byte[] model, IReadOnlyList<string> valueNames, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(valueNames);
        var proto = OnnxModelFile.Parse(model, source);
        ExposeOutputs(proto, valueNames, source);
        return proto.ToByteArray();
    }

    /// <summary>Adds <paramref name="valueNames"/> as outputs of <paramref name="model"/> in place; see <see cref="ExposeOutputs(byte[], IReadOnlyList{string}, string)"/>.</summary>
    public static void ExposeOutputs(ModelProto model, IReadOnlyList<string> valueNames, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(valueNames);
        var g = LoadedGraph.From(model, source);
        foreach (var name in valueNames) RequireComputed(g, name);

        var outputs = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var name in valueNames)
        {
            if (!outputs.Add(name)) continue;
            var declared = model.Graph.ValueInfo.FirstOrDefault(v => v.Name == name);
            var tensor = new TypeProto.Types.Tensor
            {
                ElemType = g.ElemTypes.TryGetValue(name, out var t) && t != 0 ? t : (int)TensorProto.Types.DataType.Float,
            };
            if (g.Shapes.TryGetValue(name, out var shape)) tensor.Shape = ShapeInference.ToProto(shape);
            model.Graph.Output.Add(declared?.Clone() ?? new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } });
        }
    }

    /// <summary>
    /// The fixed batch size of the input named <paramref name="input"/> (the first input when null): its first
    /// dimension when that is a number, else null (any batch size runs). Callers with a fixed batch run their
    /// rows in chunks of that size, the last padded (<see cref="Bulk.BatchedForward"/> with <see cref="Bulk.BulkExtractRequest.FixedBatch"/>).
    /// </summary>
    public static int? FixedBatch(GraphInfo info, string? input = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        var value = info.Input(input);
        if (value is null)
            Throw.BadValue($"{info.Source}: input", input ?? "(none)", $"one of {string.Join(", ", info.Inputs.Select(i => i.Name))}");
        return value.Shape is { Count: > 0 } s && s[0].Value is { } b and > 0 ? checked((int)b) : null;
    }

    private static void RequireComputed(LoadedGraph g, string name)
    {
        if (g.Producers.ContainsKey(name)) return;
        var info = GraphInspector.Inspect(g);
        var what = g.Initializers.ContainsKey(name) ? "an initialiser (a weight), not a computed value"
            : g.Graph.Input.Any(i => i.Name == name) ? "a graph input, not a computed value"
            : "no value of that name";
        var candidates = Suggest.NearestFirst(name, info.Candidates.Select(c => c.Name));
        Throw.BadInput($"{g.Source}: layer '{name}': found {what}; expected one of the candidate layers (nearest first): {candidates}");
    }
}

using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using RepAlign.Core;
using RepAlign.Core.Runs;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// A checkpoint split into its graph and its weights, so that checkpoints of one graph can share one ONNX Runtime
/// session (the weight-swap session of README "Devices"): every float32 initialiser is a weight; everything else —
/// nodes, attributes, integer and other initialisers, inputs and outputs — is the graph. <see cref="GraphKey"/> hashes
/// the graph with the weights' values, the model's metadata and its doc strings left out, so two checkpoints of one
/// training run (same architecture, new weights, new provenance) have the same key, and any other change gives another.
/// </summary>
public sealed class CheckpointWeights : IDisposable
{
    private readonly OrtValue[] values;

    private CheckpointWeights(string path, string graphKey, string[] names, OrtValue[] values)
    {
        Path = path;
        GraphKey = graphKey;
        Names = names;
        this.values = values;
    }

    /// <summary>The checkpoint file.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the graph without weight values, metadata and doc strings.</summary>
    public string GraphKey { get; }

    /// <summary>The weights' names (float32 initialisers), in file order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The weights as CPU tensors, in the order of <see cref="Names"/>; valid until this object is disposed.</summary>
    public IReadOnlyList<OrtValue> Values => values;

    /// <summary>Reads the weights and graph key of the checkpoint at <paramref name="path"/> (weights stored beside it are read in).</summary>
    public static CheckpointWeights Load(string path)
    {
        var model = Read(path);
        var weights = model.Graph.Initializer.Where(IsWeight).ToArray();
        var values = new OrtValue[weights.Length];
        try
        {
            for (var k = 0; k < weights.Length; k++)
            {
                var floats = Floats(weights[k]);
                var dims = weights[k].Dims.ToArray();
                if (floats.LongLength != dims.Aggregate(1L, (p, d) => p * d))
                    Throw.BadInput($"{path}: initialiser '{weights[k].Name}' holds {floats.Length} float32 values for shape [{string.Join(", ", dims)}]; expected one value per element (a valid ONNX file)");
                values[k] = OrtValue.CreateTensorValueFromMemory(floats, dims);
            }
        }
        catch
        {
            foreach (var v in values) v?.Dispose();
            throw;
        }
        return new CheckpointWeights(path, GraphKeyOf(model), weights.Select(w => w.Name).ToArray(), values);
    }

    /// <summary>
    /// The checkpoint's graph with every weight turned from an initialiser into a graph input (its values then come from
    /// <see cref="Load"/> of this or any checkpoint with the same key), and that key.
    /// </summary>
    public static (byte[] Model, string GraphKey) Template(string path)
    {
        var model = Read(path);
        var key = GraphKeyOf(model);
        var graph = model.Graph;
        var declared = graph.Input.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var weight in graph.Initializer.Where(IsWeight).ToArray())
        {
            graph.Initializer.Remove(weight);
            if (declared.Contains(weight.Name)) continue; // IR < 4 lists initialisers among the inputs already
            var shape = new TensorShapeProto();
            foreach (var d in weight.Dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
            graph.Input.Add(new ValueInfoProto
            {
                Name = weight.Name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = weight.DataType, Shape = shape } },
            });
        }
        return (model.ToByteArray(), key);
    }

    /// <summary>Releases the weight tensors.</summary>
    public void Dispose()
    {
        foreach (var v in values) v.Dispose();
    }

    private static ModelProto Read(string path)
    {
        var model = OnnxModelFile.Load(path);
        ExternalData.Inline(model, path);
        return model;
    }

    private static bool IsWeight(TensorProto t) => t.DataType == (int)TensorProto.Types.DataType.Float;

    private static string GraphKeyOf(ModelProto model)
    {
        var structure = model.Clone();
        structure.DocString = "";
        structure.MetadataProps.Clear();
        structure.Graph.DocString = "";
        foreach (var t in structure.Graph.Initializer.Where(IsWeight))
        {
            t.RawData = ByteString.Empty;
            t.FloatData.Clear();
            t.DocString = "";
        }
        return Hashing.Bytes(structure.ToByteArray());
    }

    /// <summary>A float32 tensor's values (raw little-endian bytes or the typed field).</summary>
    private static float[] Floats(TensorProto t)
    {
        if (t.FloatData.Count > 0) return t.FloatData.ToArray();
        var values = new float[t.RawData.Length / sizeof(float)];
        t.RawData.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        return values;
    }
}

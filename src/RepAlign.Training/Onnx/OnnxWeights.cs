using System.Buffers.Binary;
using Onnx;
using RepAlign.Core;
using RepAlign.Training.Models;
using static TorchSharp.torch;

namespace RepAlign.Training.Onnx;

/// <summary>
/// Loads the weights of an ONNX file into a network of the same architecture (<c>model.init</c>). The file's
/// parameters are read in graph order from the operators that carry them — <c>Gemm</c> (weight, bias),
/// <c>Conv</c> (weight, bias), <c>MatMul</c> with a constant right operand (its weight, transposed) and the
/// <c>Add</c> of a constant to a MatMul's output (its bias) — following <c>Identity</c> nodes to their
/// initialiser (PyTorch's export deduplicates equal initialisers that way). They are matched one by one, in
/// order, to the network's parameters, and every shape must agree. So RepAlign's own checkpoints and a
/// <c>torch.onnx.export</c> of the same model both load, whatever their initialisers are named.
/// </summary>
public static class OnnxWeights
{
    /// <summary>One parameter read from the file: its values in the network's layout and where it came from.</summary>
    /// <param name="Values">Float values, row-major in <paramref name="Shape"/>.</param>
    /// <param name="Shape">The shape the network's parameter must have.</param>
    /// <param name="Source">Node and initialiser, for messages.</param>
    public sealed record Parameter(float[] Values, long[] Shape, string Source);

    /// <summary>Copies the weights of <paramref name="path"/> into <paramref name="network"/>; throws <see cref="BadInputException"/> naming the file, parameter, and found and expected shapes.</summary>
    public static void Load(RepNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        var read = Read(path);
        var targets = network.parameters().ToArray();
        if (read.Count != targets.Length)
            Throw.BadInput($"model.init: {path}: found {read.Count} weight and bias tensors in its Gemm/Conv/MatMul/Add nodes, expected {targets.Length} (the parameters of this {network.GetType().Name} of depth {network.Depth}); is it the same architecture?");
        using var noGrad = no_grad();
        for (var i = 0; i < targets.Length; i++)
        {
            var expected = targets[i].shape;
            if (!expected.SequenceEqual(read[i].Shape))
                Throw.BadInput($"model.init: {path}: parameter {i} ({read[i].Source}) has shape [{string.Join(", ", read[i].Shape)}], expected [{string.Join(", ", expected)}] (same architecture, width and depth as the pipeline's model)");
            using var values = tensor(read[i].Values, read[i].Shape);
            targets[i].copy_(values);
        }
    }

    /// <summary>The parameters of an ONNX file in graph order (see the class summary), each in PyTorch's layout.</summary>
    public static IReadOnlyList<Parameter> Read(string path)
    {
        if (!File.Exists(path)) Throw.BadInput($"model.init: {path}: file not found (expected an ONNX file, e.g. a run's checkpoints/epoch-00000.onnx)");
        ModelProto model;
        try
        {
            using var stream = File.OpenRead(path);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            return Throw.BadInput<IReadOnlyList<Parameter>>($"model.init: {path}: not an ONNX model ({e.Message})");
        }
        var graph = model.Graph ?? Throw.BadInput<GraphProto>($"model.init: {path}: the ONNX model has no graph");
        var initializers = graph.Initializer.GroupBy(t => t.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var identity = graph.Node.Where(n => n.OpType == "Identity" && n.Input.Count == 1 && n.Output.Count == 1)
            .ToDictionary(n => n.Output[0], n => n.Input[0], StringComparer.Ordinal);
        TensorProto? Constant(string name)
        {
            for (var hops = 0; hops < 64 && name.Length > 0; hops++)
            {
                if (initializers.TryGetValue(name, out var t)) return t;
                if (!identity.TryGetValue(name, out var next)) return null;
                name = next;
            }
            return null;
        }

        var result = new List<Parameter>();
        var matMulOutputs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            var where = $"{node.OpType} node '{node.Name}'";
            switch (node.OpType)
            {
                case "Gemm" when node.Input.Count >= 2 && Constant(node.Input[1]) is { } gemmWeight:
                {
                    var transB = node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I ?? 0;
                    result.Add(transB == 1 ? Plain(gemmWeight, path, where) : Transposed(gemmWeight, path, where));
                    if (node.Input.Count >= 3 && Constant(node.Input[2]) is { } gemmBias) result.Add(Plain(gemmBias, path, where));
                    break;
                }
                case "Conv" when node.Input.Count >= 2 && Constant(node.Input[1]) is { } convWeight:
                    result.Add(Plain(convWeight, path, where));
                    if (node.Input.Count >= 3 && Constant(node.Input[2]) is { } convBias) result.Add(Plain(convBias, path, where));
                    break;
                case "MatMul" when node.Input.Count == 2 && Constant(node.Input[1]) is { } matMulWeight:
                    result.Add(Transposed(matMulWeight, path, where));
                    matMulOutputs.Add(node.Output[0]);
                    break;
                case "Add" when node.Input.Count == 2:
                {
                    var (other, constant) = matMulOutputs.Contains(node.Input[0]) ? (node.Input[0], Constant(node.Input[1]))
                        : matMulOutputs.Contains(node.Input[1]) ? (node.Input[1], Constant(node.Input[0])) : ("", null);
                    if (other.Length > 0 && constant is { Dims.Count: 1 }) result.Add(Plain(constant, path, where));
                    break;
                }
            }
        }
        return result;
    }

    private static Parameter Plain(TensorProto t, string path, string where) =>
        new(Floats(t, path, where), t.Dims.ToArray(), $"{where}, initialiser '{t.Name}'");

    /// <summary>A (in, out) matrix as PyTorch's (out, in).</summary>
    private static Parameter Transposed(TensorProto t, string path, string where)
    {
        if (t.Dims.Count != 2) Throw.BadInput($"model.init: {path}: {where}: weight '{t.Name}' of rank {t.Dims.Count}, expected a matrix");
        var values = Floats(t, path, where);
        long rows = t.Dims[0], cols = t.Dims[1];
        var transposed = new float[values.Length];
        for (long r = 0; r < rows; r++)
            for (long c = 0; c < cols; c++) transposed[c * rows + r] = values[r * cols + c];
        return new Parameter(transposed, [cols, rows], $"{where}, initialiser '{t.Name}' (transposed)");
    }

    private static float[] Floats(TensorProto t, string path, string where)
    {
        if (t.DataType != (int)TensorProto.Types.DataType.Float)
            Throw.BadInput($"model.init: {path}: {where}: initialiser '{t.Name}' has ONNX data type {t.DataType}, expected 1 (float32)");
        var count = t.Dims.Aggregate(1L, (a, d) => a * d);
        if (t.FloatData.Count == count) return t.FloatData.ToArray();
        var raw = t.RawData.Span;
        if (raw.Length != count * sizeof(float))
            Throw.BadInput($"model.init: {path}: {where}: initialiser '{t.Name}' holds {raw.Length} bytes, expected {count * sizeof(float)} for shape [{string.Join(", ", t.Dims)}] (external data is not supported)");
        var values = new float[count];
        for (var i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(raw[(i * sizeof(float))..]);
        return values;
    }
}

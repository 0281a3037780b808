using RepAlign.Core;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;
using TorchSharp.Modules;
using static TorchSharp.torch;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Training.Onnx;

/// <summary>Accumulates the nodes, initialisers and outputs of one ONNX graph (standard domain only).</summary>
public sealed class OnnxGraphBuilder
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    /// <summary>The graph being built.</summary>
    public GraphProto Graph { get; } = new() { Name = "repalign" };

    /// <summary>Adds a node of operator <paramref name="opType"/> reading <paramref name="inputs"/> and writing <paramref name="output"/>.</summary>
    public void Node(string opType, IReadOnlyList<string> inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{output}" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
    }

    /// <summary>Adds a float32 initialiser (raw little-endian data) of the given shape.</summary>
    public void Initializer(string name, ReadOnlySpan<float> values, IReadOnlyList<long> dims)
    {
        if (!names.Add(name)) Throw.Invariant($"duplicate initialiser {name}");
        if (dims.Aggregate(1L, (a, d) => a * d) != values.Length)
            Throw.Argument(nameof(values), $"initialiser {name}: {values.Length} values do not fill shape [{string.Join(", ", dims)}]");
        ByteString raw;
        if (BitConverter.IsLittleEndian)
        {
            raw = ByteString.CopyFrom(MemoryMarshal.AsBytes(values));
        }
        else
        {
            var bytes = new byte[values.Length * sizeof(float)];
            for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), values[i]);
            raw = ByteString.CopyFrom(bytes);
        }
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = raw }; // raw_data: little-endian float32
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
    }

    /// <summary>Adds a float32 initialiser holding a tensor's current values (copied to the CPU).</summary>
    public void Initializer(string name, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var cpu = tensor.detach().cpu().contiguous().to_type(ScalarType.Float32);
        var values = MemoryMarshal.Cast<byte, float>(cpu.bytes);
        Initializer(name, values, cpu.shape);
    }

    /// <summary>Adds <c>Gemm(x, W, b, transB = 1)</c> for a linear layer, its weight and bias as initialisers named after <paramref name="prefix"/>.</summary>
    public void Gemm(string input, Linear layer, string prefix, string output)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var weight = layer.weight ?? Throw.Invariant<Tensor>($"{prefix}: linear layer without weight");
        Initializer(prefix + ".weight", weight); // (out, in)
        var inputs = new List<string> { input, prefix + ".weight" };
        if (layer.bias is { } bias)
        {
            Initializer(prefix + ".bias", bias); // (out)
            inputs.Add(prefix + ".bias");
        }
        Node("Gemm", inputs, output, IntAttribute("transB", 1));
    }

    /// <summary>Adds an int64 initialiser of rank 1 (shapes and axes of structural operators).</summary>
    public void Int64Initializer(string name, IReadOnlyList<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (!names.Add(name)) Throw.Invariant($"duplicate initialiser {name}");
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Count);
        tensor.Int64Data.AddRange(values);
        Graph.Initializer.Add(tensor);
    }

    /// <summary>
    /// Adds <c>Conv(x, W, b)</c> for a 1-D convolution (stride 1, no padding, no dilation, one group),
    /// its weight (out, in, k) and bias as initialisers named after <paramref name="prefix"/>.
    /// </summary>
    public void Conv(string input, Conv1d layer, string prefix, string output)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var weight = layer.weight ?? Throw.Invariant<Tensor>($"{prefix}: convolution without weight");
        Initializer(prefix + ".weight", weight); // (out, in, k)
        var inputs = new List<string> { input, prefix + ".weight" };
        if (layer.bias is { } bias)
        {
            Initializer(prefix + ".bias", bias); // (out)
            inputs.Add(prefix + ".bias");
        }
        Node("Conv", inputs, output, IntsAttribute("kernel_shape", [weight.shape[2]]), IntsAttribute("strides", [1]),
            IntsAttribute("pads", [0, 0]), IntsAttribute("dilations", [1]), IntAttribute("group", 1));
    }

    /// <summary>Declares a float32 graph output of shape [batch, <paramref name="width"/>].</summary>
    public void Output(string name, int width) => Graph.Output.Add(BatchTensor(name, width));

    /// <summary>Declares the float32 graph input of shape [batch, <paramref name="width"/>].</summary>
    public void Input(string name, int width) => Graph.Input.Add(BatchTensor(name, width));

    /// <summary>A float attribute.</summary>
    public static AttributeProto FloatAttribute(string name, double value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = (float)value };

    /// <summary>An integer attribute.</summary>
    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>A list-of-integers attribute.</summary>
    public static AttributeProto IntsAttribute(string name, IReadOnlyList<long> values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A float32 value description of shape [batch, width] with the symbolic batch dimension.</summary>
    public static ValueInfoProto BatchTensor(string name, int width)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = OnnxNames.BatchDim });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = width });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}

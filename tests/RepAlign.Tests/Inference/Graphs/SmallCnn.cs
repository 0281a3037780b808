using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace RepAlign.Tests.Inference.Graphs;

/// <summary>
/// A small CNN in raw ONNX: (N, 1, 6, 6) → Conv 3×3 pad 1 (2 channels) → Relu → MaxPool 2×2 → Flatten → Gemm (4)
/// → Gelu (opset 20) → Gemm (2) → Softmax. Exercises the shape inference of windowed operators.
/// </summary>
public static class SmallCnn
{
    /// <summary>The model with seeded weights.</summary>
    public static ModelProto Create(int seed = 1)
    {
        var random = new Random(seed);
        float[] Values(int n) => Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var graph = new GraphProto { Name = "cnn" };
        graph.Input.Add(Value("pixels", [new() { DimParam = "N" }, new() { DimValue = 1 }, new() { DimValue = 6 }, new() { DimValue = 6 }]));
        graph.Initializer.Add(Tensor("conv.weight", Values(18), [2, 1, 3, 3]));
        graph.Initializer.Add(Tensor("conv.bias", Values(2), [2]));
        graph.Initializer.Add(Tensor("fc1.weight", Values(4 * 18), [4, 18]));
        graph.Initializer.Add(Tensor("fc1.bias", Values(4), [4]));
        graph.Initializer.Add(Tensor("fc2.weight", Values(8), [2, 4]));
        graph.Initializer.Add(Tensor("fc2.bias", Values(2), [2]));
        graph.Node.Add(Node("Conv", ["pixels", "conv.weight", "conv.bias"], "conv", Ints("pads", 1, 1, 1, 1), Ints("kernel_shape", 3, 3)));
        graph.Node.Add(Node("Relu", ["conv"], "relu"));
        graph.Node.Add(Node("MaxPool", ["relu"], "pool", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2)));
        graph.Node.Add(Node("Flatten", ["pool"], "flat"));
        graph.Node.Add(Node("Gemm", ["flat", "fc1.weight", "fc1.bias"], "fc1", new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        graph.Node.Add(Node("Gelu", ["fc1"], "gelu"));
        graph.Node.Add(Node("Gemm", ["gelu", "fc2.weight", "fc2.bias"], "fc2", new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 }));
        graph.Node.Add(Node("Softmax", ["fc2"], "probs"));
        graph.Output.Add(new ValueInfoProto { Name = "probs", Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1 } } });
        var model = new ModelProto { IrVersion = 9, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 20 });
        return model;
    }

    private static ValueInfoProto Value(string name, TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = 1, Shape = shape } } };
    }

    private static TensorProto Tensor(string name, float[] values, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = 1, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.AddRange(dims);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = "/" + output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}

using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace RepAlign.Tests.Inference.Graphs;

/// <summary>The hidden activation of a foreign MLP.</summary>
public enum ForeignActivation { Relu, LeakyRelu, Tanh, Silu }

/// <summary>How a foreign exporter writes an MLP: the styles RepAlign must read.</summary>
public sealed record ForeignStyle
{
    /// <summary>Graph input name.</summary>
    public string InputName { get; init; } = "x";
    /// <summary>Input values per row (a square number when the model has a Flatten or Reshape in front).</summary>
    public int InputWidth { get; init; } = ForeignMlp.DefaultInputWidth;
    /// <summary>Gemm(transB = 1) with (out, in) weights, or MatMul with (in, out) weights followed by Add.</summary>
    public bool MatMulAdd { get; init; }
    /// <summary>Weights reach their layer through Identity nodes (as torch writes tied or shared parameters).</summary>
    public bool IdentityShared { get; init; }
    /// <summary>Input (N, 1, 4, 4) flattened in the graph, or (N, 16).</summary>
    public bool FlattenFront { get; init; }
    /// <summary>Use Reshape(x, [-1, 16]) instead of Flatten in front.</summary>
    public bool ReshapeFront { get; init; }
    /// <summary>Fixed batch size, or null for a symbolic batch dimension.</summary>
    public int? FixedBatch { get; init; }
    /// <summary>Default-domain opset (11 → IR 6, 21 → IR 10).</summary>
    public int Opset { get; init; } = 17;
    /// <summary>Hidden activation.</summary>
    public ForeignActivation Activation { get; init; } = ForeignActivation.Relu;
    /// <summary>Hidden widths.</summary>
    public int[] Hidden { get; init; } = [8, 6];
    /// <summary>Output width.</summary>
    public int Outputs { get; init; } = 3;
    /// <summary>Apply Sigmoid to the output (a final nonlinearity producing the graph output).</summary>
    public bool SigmoidOutput { get; init; }
    /// <summary>List initialisers among the graph inputs too (old exporters, keep_initializers_as_inputs).</summary>
    public bool InitializersAsInputs { get; init; }
    /// <summary>Write the nodes in a shuffled (non-topological) file order with this seed.</summary>
    public int? ShuffleSeed { get; init; }
    /// <summary>Also declare each hidden activation as a graph output, as RepAlign's own checkpoints do.</summary>
    public bool HiddenAsOutputs { get; init; }
    /// <summary>Seed of the weights.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Builds foreign-style ONNX MLPs with the raw protobuf types (no TorchSharp) and computes the same network
/// directly in C# from the same weights, in double precision: the reference the ONNX Runtime outputs are checked against.
/// </summary>
public sealed class ForeignMlp
{
    /// <summary>Input values per row unless the style says otherwise.</summary>
    public const int DefaultInputWidth = 16;

    /// <summary>Input values per row of this model.</summary>
    public int InputWidth => Style.InputWidth;

    private ForeignMlp(ForeignStyle style)
    {
        Style = style;
        var random = new Random(style.Seed);
        var widths = new[] { InputWidth }.Concat(style.Hidden).Append(style.Outputs).ToArray();
        for (var l = 0; l + 1 < widths.Length; l++)
        {
            var (fanIn, fanOut) = (widths[l], widths[l + 1]);
            var scale = 1.5 / Math.Sqrt(fanIn);
            Weights.Add(Enumerable.Range(0, fanOut * fanIn).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray()); // (out, in)
            Biases.Add(Enumerable.Range(0, fanOut).Select(_ => (float)((random.NextDouble() * 2 - 1) * 0.3)).ToArray());
            Widths.Add((fanIn, fanOut));
        }
        Model = Build();
    }

    /// <summary>The style.</summary>
    public ForeignStyle Style { get; }
    /// <summary>Weights per layer, row-major (out, in).</summary>
    public List<float[]> Weights { get; } = [];
    /// <summary>Biases per layer.</summary>
    public List<float[]> Biases { get; } = [];
    /// <summary>(in, out) per layer.</summary>
    public List<(int In, int Out)> Widths { get; } = [];
    /// <summary>The model.</summary>
    public ModelProto Model { get; }
    /// <summary>Names of the hidden activation outputs, layer by layer.</summary>
    public List<string> HiddenActivations { get; } = [];
    /// <summary>Names of the pre-activations (the Gemm, or the Add of MatMul+Add), layer by layer, output layer included.</summary>
    public List<string> PreActivations { get; } = [];
    /// <summary>The graph output's name.</summary>
    public string OutputName => Style.SigmoidOutput ? "probabilities" : "logits";

    /// <summary>Builds the model for <paramref name="style"/>.</summary>
    public static ForeignMlp Create(ForeignStyle style) => new(style);

    /// <summary>The model's bytes.</summary>
    public byte[] Bytes => Model.ToByteArray();

    /// <summary>Writes the model to <paramref name="path"/> and returns the path.</summary>
    public string Save(string path)
    {
        File.WriteAllBytes(path, Bytes);
        return path;
    }

    /// <summary>Seeded input rows, row-major (rows, 16).</summary>
    public static float[] Rows(int rows, int seed, int width = DefaultInputWidth)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    /// <summary>Hidden activations per layer, each (rows, width) row-major, computed directly in double precision.</summary>
    public List<double[]> Reference(float[] rows, int count)
    {
        var layers = new List<double[]>();
        var current = rows.Select(v => (double)v).ToArray();
        for (var l = 0; l < Widths.Count; l++)
        {
            var (fanIn, fanOut) = Widths[l];
            var next = new double[count * fanOut];
            for (var r = 0; r < count; r++)
                for (var o = 0; o < fanOut; o++)
                {
                    double z = Biases[l][o];
                    for (var i = 0; i < fanIn; i++) z += Weights[l][o * fanIn + i] * current[r * fanIn + i];
                    next[r * fanOut + o] = l + 1 < Widths.Count ? Activate(z) : Style.SigmoidOutput ? 1 / (1 + Math.Exp(-z)) : z;
                }
            layers.Add(next);
            current = next;
        }
        return layers;
    }

    private double Activate(double z) => Style.Activation switch
    {
        ForeignActivation.Relu => Math.Max(z, 0),
        ForeignActivation.LeakyRelu => z >= 0 ? z : 0.1 * z,
        ForeignActivation.Tanh => Math.Tanh(z),
        ForeignActivation.Silu => z / (1 + Math.Exp(-z)),
        _ => throw new ArgumentOutOfRangeException(nameof(Style)),
    };

    private ModelProto Build()
    {
        var s = Style;
        var graph = new GraphProto { Name = "torch_jit" };
        var nodes = new List<NodeProto>();
        var batch = s.FixedBatch is { } b ? new TensorShapeProto.Types.Dimension { DimValue = b } : new TensorShapeProto.Types.Dimension { DimParam = "batch_size" };
        var front = s.FlattenFront || s.ReshapeFront;
        graph.Input.Add(Value(s.InputName, front ? [batch, Dim(1), Dim((long)Math.Sqrt(InputWidth)), Dim((long)Math.Sqrt(InputWidth))] : [batch, Dim(InputWidth)]));

        var x = s.InputName;
        if (s.FlattenFront)
        {
            nodes.Add(Node("Flatten", "/flatten/Flatten", [x], "/flatten/Flatten_output_0", Int("axis", 1)));
            x = "/flatten/Flatten_output_0";
        }
        else if (s.ReshapeFront)
        {
            var shape = new TensorProto { Name = "/Constant_output_0", DataType = (int)TensorProto.Types.DataType.Int64 };
            shape.Dims.Add(2);
            shape.Int64Data.AddRange([-1, InputWidth]);
            var constant = Node("Constant", "/Constant", [], "/Constant_output_0");
            constant.Attribute.Add(new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = shape });
            nodes.Add(constant);
            nodes.Add(Node("Reshape", "/Reshape", [x, "/Constant_output_0"], "/Reshape_output_0"));
            x = "/Reshape_output_0";
        }

        for (var l = 0; l < Widths.Count; l++)
        {
            var (fanIn, fanOut) = Widths[l];
            var prefix = $"fc{l + 1}";
            var weight = s.MatMulAdd ? Transpose(Weights[l], fanOut, fanIn) : Weights[l];
            long[] weightDims = s.MatMulAdd ? [fanIn, fanOut] : [fanOut, fanIn];
            graph.Initializer.Add(Tensor($"{prefix}.weight", weight, weightDims));
            graph.Initializer.Add(Tensor($"{prefix}.bias", Biases[l], [fanOut]));
            var (w, bias) = ($"{prefix}.weight", $"{prefix}.bias");
            if (s.IdentityShared)
            {
                nodes.Add(Node("Identity", $"/Identity_{l}w", [w], $"onnx::{(s.MatMulAdd ? "MatMul" : "Gemm")}_{100 + 2 * l}"));
                nodes.Add(Node("Identity", $"/Identity_{l}b", [bias], $"onnx::Add_{101 + 2 * l}"));
                (w, bias) = ($"onnx::{(s.MatMulAdd ? "MatMul" : "Gemm")}_{100 + 2 * l}", $"onnx::Add_{101 + 2 * l}");
            }
            string pre;
            if (s.MatMulAdd)
            {
                nodes.Add(Node("MatMul", $"/{prefix}/MatMul", [x, w], $"/{prefix}/MatMul_output_0"));
                nodes.Add(Node("Add", $"/{prefix}/Add", [bias, $"/{prefix}/MatMul_output_0"], pre = $"/{prefix}/Add_output_0"));
            }
            else
            {
                nodes.Add(Node("Gemm", $"/{prefix}/Gemm", [x, w, bias], pre = $"/{prefix}/Gemm_output_0", Int("transB", 1), Float("alpha", 1), Float("beta", 1)));
            }
            PreActivations.Add(pre);
            if (l + 1 == Widths.Count)
            {
                if (s.SigmoidOutput) nodes.Add(Node("Sigmoid", "/out/Sigmoid", [pre], OutputName));
                else nodes.Add(Node("Identity", "/out/Identity", [pre], OutputName));
                break;
            }
            var act = $"/act{l + 1}";
            switch (s.Activation)
            {
                case ForeignActivation.Relu: nodes.Add(Node("Relu", $"{act}/Relu", [pre], x = $"{act}/Relu_output_0")); break;
                case ForeignActivation.LeakyRelu: nodes.Add(Node("LeakyRelu", $"{act}/LeakyRelu", [pre], x = $"{act}/LeakyRelu_output_0", Float("alpha", 0.1f))); break;
                case ForeignActivation.Tanh: nodes.Add(Node("Tanh", $"{act}/Tanh", [pre], x = $"{act}/Tanh_output_0")); break;
                case ForeignActivation.Silu:
                    nodes.Add(Node("Sigmoid", $"{act}/Sigmoid", [pre], $"{act}/Sigmoid_output_0"));
                    nodes.Add(Node("Mul", $"{act}/Mul", [pre, $"{act}/Sigmoid_output_0"], x = $"{act}/Mul_output_0"));
                    break;
            }
            HiddenActivations.Add(x);
        }
        graph.Output.Add(Value(OutputName, [s.FixedBatch is { } fb ? Dim(fb) : new TensorShapeProto.Types.Dimension { DimParam = "batch_size" }, Dim(s.Outputs)]));
        if (s.HiddenAsOutputs)
            for (var l = 0; l < HiddenActivations.Count; l++)
                graph.Output.Add(Value(HiddenActivations[l], [s.FixedBatch is { } hb ? Dim(hb) : new TensorShapeProto.Types.Dimension { DimParam = "batch_size" }, Dim(Widths[l].Out)]));
        if (s.InitializersAsInputs)
            foreach (var init in graph.Initializer)
                graph.Input.Add(Value(init.Name, init.Dims.Select(Dim).ToArray()));

        if (s.ShuffleSeed is { } seed)
        {
            var random = new Random(seed);
            nodes = nodes.OrderBy(_ => random.Next()).ToList();
        }
        graph.Node.AddRange(nodes);
        var model = new ModelProto
        {
            IrVersion = s.Opset >= 21 ? 10 : s.Opset >= 15 ? 8 : 6,
            ProducerName = "pytorch",
            ProducerVersion = "2.5.0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = s.Opset });
        return model;
    }

    private static float[] Transpose(float[] values, int rows, int cols)
    {
        var t = new float[values.Length];
        for (var r = 0; r < rows; r++)
            for (var c = 0; c < cols; c++) t[c * rows + r] = values[r * cols + c];
        return t;
    }

    private static TensorShapeProto.Types.Dimension Dim(long value) => new() { DimValue = value };

    private static ValueInfoProto Value(string name, TensorShapeProto.Types.Dimension[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims);
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static TensorProto Tensor(string name, float[] values, long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        t.Dims.AddRange(dims);
        return t;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };
}

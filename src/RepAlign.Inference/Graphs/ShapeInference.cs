using Onnx;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// Shapes and element types of a graph's values: declared ones (inputs, value_info, outputs, initialisers)
/// first, then inferred for the simple operators MLP and small CNN exports use. Anything else stays unknown,
/// which is fine: ONNX Runtime runs outputs declared without a shape.
/// </summary>
internal static class ShapeInference
{
    private const int Float = (int)TensorProto.Types.DataType.Float;
    private const int Int64 = (int)TensorProto.Types.DataType.Int64;

    /// <summary>Operators whose output has the shape of their first input.</summary>
    private static readonly HashSet<string> SameShape = new(StringComparer.Ordinal)
    {
        "Identity", "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Elu", "Selu", "Gelu", "Softplus", "Softsign", "PRelu",
        "HardSigmoid", "HardSwish", "Mish", "Celu", "ThresholdedRelu", "Softmax", "LogSoftmax", "Dropout", "Cast",
        "Neg", "Abs", "Exp", "Log", "Sqrt", "Erf", "Clip", "BatchNormalization", "LayerNormalization",
        "InstanceNormalization", "Reciprocal",
    };

    /// <summary>Elementwise operators with numpy broadcasting.</summary>
    private static readonly HashSet<string> Broadcast = new(StringComparer.Ordinal) { "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min" };

    /// <summary>Declared and inferred shapes and element types by value name.</summary>
    public static (Dictionary<string, TensorDim[]> Shapes, Dictionary<string, int> ElemTypes) Infer(LoadedGraph g)
    {
        var shapes = new Dictionary<string, TensorDim[]>(StringComparer.Ordinal);
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var init in g.Graph.Initializer)
        {
            shapes[init.Name] = init.Dims.Select(TensorDim.Fixed).ToArray();
            types[init.Name] = init.DataType;
        }
        foreach (var info in g.Graph.Input.Concat(g.Graph.ValueInfo).Concat(g.Graph.Output))
        {
            if (info.Type?.TensorType is not { } tensor) continue;
            if (tensor.ElemType != 0) types.TryAdd(info.Name, tensor.ElemType);
            if (tensor.Shape is { } shape) shapes.TryAdd(info.Name, FromProto(shape));
        }

        foreach (var node in g.Order)
        {
            if (node.Output.Count == 0 || node.Output[0].Length == 0) continue;
            var output = node.Output[0];
            if (!types.ContainsKey(output) && ElemType(node, types) is { } type) types[output] = type;
            if (shapes.ContainsKey(output)) continue;
            TensorDim[]? In(int i) => i < node.Input.Count && shapes.TryGetValue(node.Input[i], out var s) ? s : null;
            var inferred = node.OpType switch
            {
                _ when SameShape.Contains(node.OpType) => In(0),
                _ when Broadcast.Contains(node.OpType) => node.Input.Count == 2 ? Broadcasted(In(0), In(1)) : null,
                "Gemm" => Gemm(node, In(0), In(1)),
                "MatMul" => MatMul(In(0), In(1)),
                "Flatten" => Flatten(node, In(0)),
                "Reshape" => node.Input.Count == 2 && g.ConstantInts(node.Input[1]) is { } target ? Reshape(In(0), target, AttrInt(node, "allowzero", 0) != 0) : null,
                "Transpose" => Transpose(node, In(0)),
                "Conv" => Window(node, In(0), In(1)),
                "MaxPool" or "AveragePool" or "LpPool" => Window(node, In(0), null),
                "GlobalAveragePool" or "GlobalMaxPool" => In(0) is { Length: > 2 } x ? [x[0], x[1], .. Enumerable.Repeat(TensorDim.Fixed(1), x.Length - 2)] : null,
                "Constant" => g.ConstantTensor(output)?.Dims.Select(TensorDim.Fixed).ToArray(),
                "Shape" => In(0) is { } x ? [TensorDim.Fixed(x.Length)] : null,
                _ => null,
            };
            if (inferred is not null) shapes[output] = inferred;
        }
        return (shapes, types);
    }

    /// <summary>The shape in a value_info, symbolic dims by name, fixed dims by value, neither = unknown.</summary>
    public static TensorDim[] FromProto(TensorShapeProto shape) =>
        shape.Dim.Select(d => d.HasDimValue ? TensorDim.Fixed(d.DimValue) : d.HasDimParam && d.DimParam.Length > 0 ? TensorDim.Symbolic(d.DimParam) : TensorDim.Unknown).ToArray();

    /// <summary>The protobuf form of a shape (unknown dims carry neither a value nor a name).</summary>
    public static TensorShapeProto ToProto(IReadOnlyList<TensorDim> shape)
    {
        var proto = new TensorShapeProto();
        foreach (var d in shape)
        {
            var dim = new TensorShapeProto.Types.Dimension();
            if (d.Value is { } v) dim.DimValue = v;
            else if (d.Param is { } p) dim.DimParam = p;
            proto.Dim.Add(dim);
        }
        return proto;
    }

    private static int? ElemType(NodeProto node, Dictionary<string, int> types) => node.OpType switch
    {
        "Shape" or "Size" or "NonZero" or "ArgMax" or "ArgMin" => Int64,
        "Cast" => (int)AttrInt(node, "to", Float),
        "Constant" => node.Attribute.FirstOrDefault(a => a.Name == "value")?.T?.DataType ?? (node.Attribute.Any(a => a.Name == "value_ints") ? Int64 : Float),
        _ => node.Input.Where(i => i.Length > 0).Select(i => types.TryGetValue(i, out var t) ? t : (int?)null).FirstOrDefault(t => t is not null),
    };

    private static long AttrInt(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static long[]? AttrInts(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.Ints.ToArray() : null;

    private static TensorDim[]? Gemm(NodeProto node, TensorDim[]? a, TensorDim[]? b)
    {
        if (b is not { Length: 2 }) return null;
        var rows = a is { Length: 2 } ? a[AttrInt(node, "transA", 0) != 0 ? 1 : 0] : TensorDim.Unknown;
        return [rows, b[AttrInt(node, "transB", 0) != 0 ? 0 : 1]]; // (M, N)
    }

    private static TensorDim[]? MatMul(TensorDim[]? a, TensorDim[]? b)
    {
        if (a is not { Length: >= 2 } || b is not { Length: 2 }) return null;
        return [.. a[..^1], b[1]]; // (..., K) @ (K, N) → (..., N)
    }

    private static TensorDim[]? Flatten(NodeProto node, TensorDim[]? x)
    {
        if (x is null) return null;
        var axis = (int)AttrInt(node, "axis", 1);
        if (axis < 0) axis += x.Length;
        if (axis < 0 || axis > x.Length) return null;
        return [Product(x[..axis]), Product(x[axis..])]; // (prod(x[:axis]), prod(x[axis:]))
    }

    private static TensorDim Product(ReadOnlySpan<TensorDim> dims)
    {
        if (dims.Length == 1) return dims[0];
        long p = 1;
        foreach (var d in dims)
        {
            if (d.Value is not { } v) return TensorDim.Unknown;
            p *= v;
        }
        return TensorDim.Fixed(p);
    }

    private static TensorDim[]? Reshape(TensorDim[]? x, long[] target, bool allowZero)
    {
        var result = new TensorDim[target.Length];
        var inferAt = -1;
        for (var i = 0; i < target.Length; i++)
        {
            if (target[i] == -1) { inferAt = i; continue; }
            if (target[i] == 0 && !allowZero) result[i] = x is not null && i < x.Length ? x[i] : TensorDim.Unknown;
            else result[i] = TensorDim.Fixed(target[i]);
        }
        if (inferAt < 0) return result;
        result[inferAt] = TensorDim.Unknown;
        if (x is null) return result;
        if (x.All(d => d.IsFixed) && result.Where((_, i) => i != inferAt).All(d => d.IsFixed))
        {
            var total = x.Aggregate(1L, (p, d) => p * d.Value!.Value);
            var known = result.Where((_, i) => i != inferAt).Aggregate(1L, (p, d) => p * d.Value!.Value);
            if (known > 0 && total % known == 0) result[inferAt] = TensorDim.Fixed(total / known);
        }
        else if (inferAt == 0 && x.Length > 0 && !x[0].IsFixed)
        {
            // (batch, ...) → (-1, ...): the batch dimension survives when the rest keeps its size.
            var tail = TensorDim.RowWidth(x);
            var newTail = TensorDim.RowWidth(result);
            if (tail is not null && tail == newTail) result[0] = x[0];
        }
        return result;
    }

    private static TensorDim[]? Transpose(NodeProto node, TensorDim[]? x)
    {
        if (x is null) return null;
        var perm = AttrInts(node, "perm") ?? Enumerable.Range(0, x.Length).Reverse().Select(i => (long)i).ToArray();
        return perm.Length == x.Length && perm.All(p => p >= 0 && p < x.Length) ? perm.Select(p => x[p]).ToArray() : null;
    }

    /// <summary>Conv and pooling: (N, C, spatial…) → (N, M, spatial'…) with kernel, strides, pads, dilations and auto_pad.</summary>
    private static TensorDim[]? Window(NodeProto node, TensorDim[]? x, TensorDim[]? w)
    {
        if (x is not { Length: > 2 }) return null;
        var spatial = x.Length - 2;
        long[]? kernel = AttrInts(node, "kernel_shape");
        if (kernel is null && w is { } ws && ws.Length == x.Length && ws[2..].All(d => d.IsFixed)) kernel = ws[2..].Select(d => d.Value!.Value).ToArray();
        var channels = w is null ? x[1] : w is { Length: > 0 } ? w[0] : TensorDim.Unknown;
        if (kernel is null || kernel.Length != spatial) return [x[0], channels, .. Enumerable.Repeat(TensorDim.Unknown, spatial)];
        var strides = AttrInts(node, "strides") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var dilations = AttrInts(node, "dilations") ?? Enumerable.Repeat(1L, spatial).ToArray();
        var pads = AttrInts(node, "pads") ?? new long[2 * spatial];
        var autoPad = node.Attribute.FirstOrDefault(a => a.Name == "auto_pad")?.S.ToStringUtf8() ?? "NOTSET";
        var ceil = AttrInt(node, "ceil_mode", 0) != 0;
        var result = new TensorDim[x.Length];
        result[0] = x[0];
        result[1] = channels;
        for (var i = 0; i < spatial; i++)
        {
            if (x[2 + i].Value is not { } size || strides.Length != spatial || dilations.Length != spatial || pads.Length != 2 * spatial)
            {
                result[2 + i] = TensorDim.Unknown;
                continue;
            }
            var effective = dilations[i] * (kernel[i] - 1) + 1;
            long outSize = autoPad switch
            {
                "SAME_UPPER" or "SAME_LOWER" => (size + strides[i] - 1) / strides[i],
                "VALID" => (size - effective) / strides[i] + 1,
                _ => ceil
                    ? (size + pads[i] + pads[i + spatial] - effective + strides[i] - 1) / strides[i] + 1
                    : (size + pads[i] + pads[i + spatial] - effective) / strides[i] + 1,
            };
            result[2 + i] = TensorDim.Fixed(outSize);
        }
        return result;
    }

    private static TensorDim[]? Broadcasted(TensorDim[]? a, TensorDim[]? b)
    {
        if (a is null || b is null) return null;
        var rank = Math.Max(a.Length, b.Length);
        var result = new TensorDim[rank];
        for (var i = 0; i < rank; i++)
        {
            var da = i < rank - a.Length ? TensorDim.Fixed(1) : a[i - (rank - a.Length)];
            var db = i < rank - b.Length ? TensorDim.Fixed(1) : b[i - (rank - b.Length)];
            result[i] = (da, db) switch
            {
                _ when da == db => da,
                ({ Value: 1 }, _) => db,
                (_, { Value: 1 }) => da,
                ({ Value: > 1 }, _) => da,
                (_, { Value: > 1 }) => db,
                _ => TensorDim.Unknown,
            };
        }
        return result;
    }
}

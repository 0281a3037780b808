using System.Globalization;
using Onnx;
using RepAlign.Core.Runs;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// The function a checkpoint computes, up to its weights: every value is keyed by what computes it — the
/// operator, its attributes and the keys of its inputs — so two checkpoints of one run agree however the
/// exporter named, ordered or shared things. Identity nodes (and inference-time Dropout) pass their input's
/// key through; initialisers, Constant nodes and values computed from constants only are "a constant of this
/// type and shape" (small integer tensors and Constant nodes also by value), so deduplicated initialisers and
/// constant folding do not count. A freshly initialised model's export (equal zero biases shared through
/// Identity nodes) therefore matches the later epochs; another width, operator or attribute does not.
/// </summary>
public sealed class ArchitectureSignature
{
    /// <summary>Operators that compute their first input unchanged at inference time.</summary>
    private static readonly HashSet<string> PassThrough = new(StringComparer.Ordinal) { "Identity", "Dropout" };

    private readonly LoadedGraph graph;
    private readonly Dictionary<string, string> keys;
    private readonly Dictionary<string, string> roots;
    private readonly Dictionary<NodeProto, int> position;

    private ArchitectureSignature(LoadedGraph g)
    {
        graph = g;
        keys = new Dictionary<string, string>(StringComparer.Ordinal);
        roots = new Dictionary<string, string>(StringComparer.Ordinal);
        position = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        var inputs = g.RuntimeInputs.ToArray();
        for (var i = 0; i < inputs.Length; i++)
            keys[inputs[i].Name] = $"input {i} {Type(inputs[i].Name)} {Pattern(g.Shapes.GetValueOrDefault(inputs[i].Name))}";
        foreach (var init in g.Graph.Initializer) keys[init.Name] = ConstantKey(init.Name, init, byValue: IsInteger(init.DataType));
        for (var k = 0; k < g.Order.Count; k++)
        {
            var node = g.Order[k];
            position[node] = k;
            var ins = node.Input.Where(n => n.Length > 0).ToArray();
            if (PassThrough.Contains(node.OpType) && ins.Length >= 1 && node.Output.Count >= 1 && keys.TryGetValue(ins[0], out var through))
            {
                keys[node.Output[0]] = through;
                roots[node.Output[0]] = Root(ins[0]);
                for (var o = 1; o < node.Output.Count; o++) keys[node.Output[o]] = $"{node.OpType} output {o}";
                continue;
            }
            if (node.OpType == "Constant" || (ins.Length > 0 && ins.All(IsConstant)))
            {
                foreach (var output in node.Output.Where(o => o.Length > 0))
                    keys[output] = ConstantKey(output, g.ConstantTensor(output), byValue: node.OpType == "Constant");
                continue;
            }
            var text = $"{node.Domain}:{node.OpType}|{Attributes(node)}|{string.Join(",", node.Input.Select(n => n.Length == 0 ? "" : keys[n]))}";
            var hash = Hash(text);
            for (var o = 0; o < node.Output.Count; o++)
                if (node.Output[o].Length > 0) keys[node.Output[o]] = $"{hash}#{o}";
        }
        Inputs = inputs.Select(i => $"{i.Name} {TensorDim.Format(g.Shapes.GetValueOrDefault(i.Name))}").ToArray();
        Outputs = g.Graph.Output.Select(o => o.Name).ToArray();
    }

    /// <summary>Run-time inputs as <c>name [dims]</c>, in graph order (for messages; names are not compared).</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>Graph output names, in graph order (for messages; names are not compared).</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>The structural key of every graph output, in graph order: equal keys mean the same function of the inputs.</summary>
    public IReadOnlyList<string> OutputKeys => Outputs.Select(o => keys.GetValueOrDefault(o, "undefined")).ToArray();

    /// <summary>The signature of the model at <paramref name="path"/> (external data files are not read).</summary>
    public static ArchitectureSignature Of(string path) => new(LoadedGraph.Load(path));

    /// <summary>The signature of a parsed model.</summary>
    public static ArchitectureSignature Of(ModelProto model, string source) => new(LoadedGraph.From(model, source));

    /// <summary>The first difference from <paramref name="other"/> (a later checkpoint) in words, naming the node or value, or null when both compute the same function.</summary>
    public string? FirstDifference(ArchitectureSignature other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var mine = graph.RuntimeInputs.Select(i => keys[i.Name]).ToArray();
        var theirs = other.graph.RuntimeInputs.Select(i => other.keys[i.Name]).ToArray();
        if (!mine.SequenceEqual(theirs))
            return $"inputs {string.Join(", ", other.Inputs)} where the previous checkpoint has {string.Join(", ", Inputs)}";
        if (Outputs.Count != other.Outputs.Count)
            return $"{other.Outputs.Count} outputs ({string.Join(", ", other.Outputs)}) where the previous checkpoint has {Outputs.Count} ({string.Join(", ", Outputs)})";
        for (var i = 0; i < Outputs.Count; i++)
            if (Walk(Outputs[i], other, other.Outputs[i], $"output {i}") is { } difference)
                return difference;
        return null;
    }

    /// <summary>Follows two values that should agree back to the first place where they do not.</summary>
    private string? Walk(string mine, ArchitectureSignature other, string theirs, string context)
    {
        while (true)
        {
            var a = keys.GetValueOrDefault(mine, "undefined");
            var b = other.keys.GetValueOrDefault(theirs, "undefined");
            if (a == b) return null;
            mine = Root(mine);
            theirs = other.Root(theirs);
            var na = Computing(mine);
            var nb = other.Computing(theirs);
            if (na is null || nb is null)
                return $"{other.Describe(theirs)} ({context}) where the previous checkpoint has {Describe(mine)}";
            if (na.OpType != nb.OpType || na.Domain != nb.Domain)
                return $"node '{nb.Name}' (operator {other.position[nb]} in topological order, {context}) is {Op(nb)} where the previous checkpoint has {Op(na)} (node '{na.Name}')";
            var attrsA = Attributes(na);
            var attrsB = Attributes(nb);
            if (attrsA != attrsB)
                return $"node '{nb.Name}' ({Op(nb)}, {context}) has attributes {{{attrsB}}} where the previous checkpoint has {{{attrsA}}}";
            if (na.Input.Count != nb.Input.Count)
                return $"node '{nb.Name}' ({Op(nb)}, {context}) has {nb.Input.Count} inputs where the previous checkpoint has {na.Input.Count}";
            var next = Enumerable.Range(0, na.Input.Count).FirstOrDefault(
                j => keys.GetValueOrDefault(na.Input[j], "") != other.keys.GetValueOrDefault(nb.Input[j], ""), -1);
            if (next < 0)
                return $"node '{nb.Name}' ({Op(nb)}, {context}) differs from the previous checkpoint's node '{na.Name}'";
            (mine, theirs, context) = (na.Input[next], nb.Input[next], $"input {next} of node '{nb.Name}' ({Op(nb)})");
        }
    }

    /// <summary>The node computing <paramref name="value"/>, or null for inputs and constants.</summary>
    private NodeProto? Computing(string value) =>
        IsConstant(value) || !graph.Producers.TryGetValue(value, out var node) ? null : node;

    private string Describe(string value)
    {
        if (graph.RuntimeInputs.Any(i => i.Name == value)) return $"the input '{value}' {TensorDim.Format(graph.Shapes.GetValueOrDefault(value))}";
        if (IsConstant(value))
        {
            var what = graph.Initializers.ContainsKey(value) ? "initialiser" : "constant";
            var t = graph.ConstantTensor(value);
            return $"{what} '{value}' of type {Type(value)}, shape {Pattern(graph.Shapes.GetValueOrDefault(value))}{(t is not null && IsSmall(t) ? $", value [{string.Join(", ", Values(t))}]" : "")}";
        }
        return graph.Producers.TryGetValue(value, out var node) ? $"the output '{value}' of node '{node.Name}' ({Op(node)})" : $"an undefined value '{value}'";
    }

    /// <summary>The value behind chains of pass-through nodes.</summary>
    private string Root(string value) => roots.TryGetValue(value, out var r) ? r : value;

    private bool IsConstant(string value) => keys.TryGetValue(value, out var k) && k.StartsWith("constant ", StringComparison.Ordinal);

    private string ConstantKey(string name, TensorProto? tensor, bool byValue)
    {
        var key = $"constant {Type(name)} {Pattern(graph.Shapes.GetValueOrDefault(name))}";
        return byValue && tensor is not null && IsSmall(tensor) ? $"{key} = [{string.Join(", ", Values(tensor))}]" : key;
    }

    private string Type(string value) => graph.ElemTypes.TryGetValue(value, out var t) ? ((TensorProto.Types.DataType)t).ToString() : "?";

    private static string Op(NodeProto node) => node.Domain is "" or "ai.onnx" ? node.OpType : $"{node.Domain}.{node.OpType}";

    /// <summary>A shape with symbolic dimensions written as <c>*</c> (their names do not count).</summary>
    private static string Pattern(IReadOnlyList<TensorDim>? shape) =>
        shape is null ? "?" : "[" + string.Join(", ", shape.Select(d => d.Value?.ToString(CultureInfo.InvariantCulture) ?? "*")) + "]";

    private static bool IsInteger(int dataType) => dataType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32;

    private static bool IsSmall(TensorProto t) => t.Dims.Aggregate(1L, (p, d) => p * d) <= 64;

    /// <summary>The values of a small tensor as text (raw or typed storage).</summary>
    private static IEnumerable<string> Values(TensorProto t)
    {
        var raw = t.RawData.Span;
        switch ((TensorProto.Types.DataType)t.DataType)
        {
            case TensorProto.Types.DataType.Float:
                return t.FloatData.Count > 0 ? t.FloatData.Select(F)
                    : Enumerable.Range(0, raw.Length / 4).Select(i => F(BitConverter.ToSingle(t.RawData.Span.Slice(i * 4, 4)))).ToArray();
            case TensorProto.Types.DataType.Double:
                return t.DoubleData.Count > 0 ? t.DoubleData.Select(d => d.ToString("R", CultureInfo.InvariantCulture))
                    : Enumerable.Range(0, raw.Length / 8).Select(i => BitConverter.ToDouble(t.RawData.Span.Slice(i * 8, 8)).ToString("R", CultureInfo.InvariantCulture)).ToArray();
            case TensorProto.Types.DataType.Int64:
                return t.Int64Data.Count > 0 ? t.Int64Data.Select(v => v.ToString(CultureInfo.InvariantCulture))
                    : Enumerable.Range(0, raw.Length / 8).Select(i => BitConverter.ToInt64(t.RawData.Span.Slice(i * 8, 8)).ToString(CultureInfo.InvariantCulture)).ToArray();
            case TensorProto.Types.DataType.Int32:
                return t.Int32Data.Count > 0 ? t.Int32Data.Select(v => v.ToString(CultureInfo.InvariantCulture))
                    : Enumerable.Range(0, raw.Length / 4).Select(i => BitConverter.ToInt32(t.RawData.Span.Slice(i * 4, 4)).ToString(CultureInfo.InvariantCulture)).ToArray();
            default:
                return [$"{raw.Length} bytes {Hashing.Bytes(raw)[..24]}"];
        }
        static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>A node's attributes, sorted by name, as text (subgraphs by their node count only).</summary>
    private static string Attributes(NodeProto node) => string.Join("; ", node.Attribute.OrderBy(a => a.Name, StringComparer.Ordinal).Select(a => a.Type switch
    {
        AttributeProto.Types.AttributeType.Float => $"{a.Name}={a.F.ToString("R", CultureInfo.InvariantCulture)}",
        AttributeProto.Types.AttributeType.Int => $"{a.Name}={a.I}",
        AttributeProto.Types.AttributeType.String => $"{a.Name}={a.S.ToStringUtf8()}",
        AttributeProto.Types.AttributeType.Floats => $"{a.Name}=[{string.Join(", ", a.Floats.Select(f => f.ToString("R", CultureInfo.InvariantCulture)))}]",
        AttributeProto.Types.AttributeType.Ints => $"{a.Name}=[{string.Join(", ", a.Ints)}]",
        AttributeProto.Types.AttributeType.Strings => $"{a.Name}=[{string.Join(", ", a.Strings.Select(s => s.ToStringUtf8()))}]",
        AttributeProto.Types.AttributeType.Tensor => $"{a.Name}=tensor {(TensorProto.Types.DataType)a.T.DataType} [{string.Join(", ", a.T.Dims)}]{(IsSmall(a.T) ? " " + string.Join(",", Values(a.T)) : "")}",
        AttributeProto.Types.AttributeType.Graph => $"{a.Name}=graph of {a.G.Node.Count} nodes",
        _ => $"{a.Name}={a.Type}",
    }));

    private static string Hash(string text) => Hashing.Text(text)[..24];
}

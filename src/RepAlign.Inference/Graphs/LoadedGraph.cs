using Onnx;
using RepAlign.Core;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// An ONNX graph with the indexes the inspector and editor need: nodes in topological order,
/// the producer of every value, initialisers, and declared or inferred shapes and element types.
/// </summary>
internal sealed class LoadedGraph
{
    private LoadedGraph(ModelProto model, string source)
    {
        Model = model;
        Source = source;
        Graph = model.Graph;
        foreach (var init in Graph.Initializer) Initializers[init.Name] = init;
        foreach (var node in Graph.Node)
            foreach (var output in node.Output)
            {
                if (output.Length == 0) continue;
                if (!Producers.TryAdd(output, node))
                    Throw.BadValue($"{source}: value '{output}'", "two nodes that write it", "every value written by exactly one node (a valid ONNX graph)");
            }
        Order = TopologicalOrder(Enumerable.Range(0, Graph.Node.Count).ToArray());
        (Shapes, ElemTypes) = ShapeInference.Infer(this);
    }

    /// <summary>The model.</summary>
    public ModelProto Model { get; }

    /// <summary>Its main graph.</summary>
    public GraphProto Graph { get; }

    /// <summary>Where the model came from, for messages.</summary>
    public string Source { get; }

    /// <summary>Initialisers by name.</summary>
    public Dictionary<string, TensorProto> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>The node that writes each value.</summary>
    public Dictionary<string, NodeProto> Producers { get; } = new(StringComparer.Ordinal);

    /// <summary>The nodes in topological order (file order among nodes that are ready together).</summary>
    public IReadOnlyList<NodeProto> Order { get; }

    /// <summary>
    /// The nodes in a topological order independent of the file order: among nodes ready together, by operator
    /// type, then output name, then file order. Two exports of one architecture list it alike.
    /// </summary>
    public IReadOnlyList<NodeProto> CanonicalOrder()
    {
        var nodes = Graph.Node;
        var ranked = Enumerable.Range(0, nodes.Count)
            .OrderBy(k => nodes[k].OpType, StringComparer.Ordinal)
            .ThenBy(k => nodes[k].Output.FirstOrDefault() ?? "", StringComparer.Ordinal)
            .ThenBy(k => k)
            .ToArray();
        var priority = new int[nodes.Count];
        for (var r = 0; r < ranked.Length; r++) priority[ranked[r]] = r;
        return TopologicalOrder(priority);
    }

    /// <summary>Declared or inferred shapes by value name (absent = unknown rank).</summary>
    public Dictionary<string, TensorDim[]> Shapes { get; }

    /// <summary>Declared or propagated element types by value name.</summary>
    public Dictionary<string, int> ElemTypes { get; }

    /// <summary>The opset of the default domain, or 0.</summary>
    public long Opset => Model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max();

    /// <summary>Parses and indexes the model at <paramref name="path"/>.</summary>
    public static LoadedGraph Load(string path) => new(OnnxModelFile.Load(path), path);

    /// <summary>Indexes a parsed model.</summary>
    public static LoadedGraph From(ModelProto model, string source) => new(model, source);

    /// <summary>The graph inputs fed at run time: declared inputs that are not initialisers.</summary>
    public IEnumerable<ValueInfoProto> RuntimeInputs => Graph.Input.Where(i => !Initializers.ContainsKey(i.Name));

    /// <summary>
    /// The constant tensor behind <paramref name="name"/>: an initialiser or a Constant node's value,
    /// followed through Identity nodes; null when the value is computed at run time.
    /// </summary>
    public TensorProto? ConstantTensor(string name)
    {
        for (var hops = 0; hops < 64; hops++)
        {
            if (Initializers.TryGetValue(name, out var init)) return init;
            if (!Producers.TryGetValue(name, out var node)) return null;
            if (node.OpType == "Identity" && node.Input.Count == 1) { name = node.Input[0]; continue; }
            if (node.OpType == "Constant")
            {
                foreach (var a in node.Attribute)
                {
                    if (a.Name == "value" && a.T is not null) return a.T;
                    if (a.Name == "value_ints")
                    {
                        var t = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64 };
                        t.Dims.Add(a.Ints.Count);
                        t.Int64Data.AddRange(a.Ints);
                        return t;
                    }
                }
            }
            return null;
        }
        return null;
    }

    /// <summary>The int64 values of a constant tensor (shapes, axes), or null when not a constant of integers.</summary>
    public long[]? ConstantInts(string name)
    {
        var t = ConstantTensor(name);
        if (t is null) return null;
        if (t.Int64Data.Count > 0) return t.Int64Data.ToArray();
        if (t.Int32Data.Count > 0) return t.Int32Data.Select(v => (long)v).ToArray();
        if (t.RawData.Length > 0 && t.DataType == (int)TensorProto.Types.DataType.Int64)
        {
            var raw = t.RawData.Span;
            var values = new long[raw.Length / 8];
            for (var i = 0; i < values.Length; i++) values[i] = System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(raw[(i * 8)..]);
            return values;
        }
        return null;
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a final value: it is a graph output (directly or through a chain of
    /// Identity nodes) and no other node computes anything from it (e.g. a final Sigmoid giving the prediction).
    /// </summary>
    public bool IsFinalOutput(string name)
    {
        var outputs = Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var frontier = new Queue<string>([name]);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var reachesOutput = false;
        while (frontier.TryDequeue(out var v))
        {
            if (!seen.Add(v)) continue;
            reachesOutput |= outputs.Contains(v);
            foreach (var n in Graph.Node)
            {
                if (!n.Input.Contains(v)) continue;
                if (n.OpType != "Identity") return false;
                frontier.Enqueue(n.Output[0]);
            }
        }
        return reachesOutput;
    }

    /// <summary>Kahn's algorithm; among nodes ready together, the lowest <paramref name="priority"/> first. Unknown inputs and cycles are bad input.</summary>
    private List<NodeProto> TopologicalOrder(int[] priority)
    {
        var nodes = Graph.Node;
        var available = new HashSet<string>(StringComparer.Ordinal) { "" };
        foreach (var i in Graph.Input) available.Add(i.Name);
        foreach (var i in Graph.Initializer) available.Add(i.Name);

        var waiting = new int[nodes.Count];
        var dependents = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var ready = new PriorityQueue<int, int>();
        for (var k = 0; k < nodes.Count; k++)
        {
            foreach (var input in nodes[k].Input.Distinct())
            {
                if (available.Contains(input)) continue;
                if (!Producers.ContainsKey(input))
                    Throw.BadValue($"{Source}: node '{nodes[k].Name}' ({nodes[k].OpType}) input '{input}'",
                        "a value no node, graph input or initialiser provides", "a valid ONNX graph");
                waiting[k]++;
                if (!dependents.TryGetValue(input, out var list)) dependents[input] = list = [];
                list.Add(k);
            }
            if (waiting[k] == 0) ready.Enqueue(k, priority[k]);
        }

        var order = new List<NodeProto>(nodes.Count);
        while (ready.TryDequeue(out var k, out _))
        {
            order.Add(nodes[k]);
            foreach (var output in nodes[k].Output)
                if (dependents.TryGetValue(output, out var list))
                    foreach (var d in list)
                        if (--waiting[d] == 0) ready.Enqueue(d, priority[d]);
        }
        if (order.Count != nodes.Count)
        {
            var stuck = nodes.Where((_, k) => waiting[k] > 0).Select(n => $"'{n.Name}' ({n.OpType})").Take(5);
            Throw.BadValue($"{Source}: nodes {string.Join(", ", stuck)}", "a cycle", "an acyclic ONNX graph");
        }
        return order;
    }
}

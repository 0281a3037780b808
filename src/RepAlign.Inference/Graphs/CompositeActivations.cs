using Onnx;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// An activation an exporter wrote as several nodes: GELU as <c>x · ½(1 + erf(x/√2))</c> (Div, Erf, Add, Mul,
/// Mul) or with tanh, SiLU as <c>x · sigmoid(x)</c>, Hardswish as <c>x · hardsigmoid(x)</c>, Mish as
/// <c>x · tanh(softplus(x))</c>, or any other elementwise function of one value that uses that value twice.
/// </summary>
/// <param name="Source">The pre-activation value the nodes compute from.</param>
/// <param name="Members">Every node of the activation.</param>
/// <param name="Exits">The values of the activation that other nodes (or graph outputs) read: one for a proper activation.</param>
/// <param name="Label">What it is: <c>Gelu</c>, <c>Gelu(tanh)</c>, <c>Silu</c>, <c>HardSwish</c>, <c>Mish</c>, or <c>Composite(Tanh·Mul)</c>.</param>
internal sealed record CompositeActivation(string Source, IReadOnlySet<NodeProto> Members, IReadOnlyList<string> Exits, string Label);

/// <summary>Finds <see cref="CompositeActivation"/>s in a graph.</summary>
internal static class CompositeActivations
{
    /// <summary>Elementwise operators a decomposed activation is built from.</summary>
    private static readonly HashSet<string> Elementwise = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Exp", "Log", "Sqrt", "Reciprocal", "Clip", "Min", "Max",
        "Erf", "Tanh", "Sigmoid", "HardSigmoid", "Softplus", "Softsign", "Relu", "LeakyRelu", "Elu", "Selu", "Celu",
        "Gelu", "HardSwish", "Mish", "ThresholdedRelu",
    };

    /// <summary>Nonlinear elementwise operators: each may start (seed) an activation.</summary>
    public static IReadOnlySet<string> Seeds { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Erf", "Tanh", "Sigmoid", "HardSigmoid", "Softplus", "Softsign", "Relu", "LeakyRelu", "Elu", "Selu", "Celu",
        "Gelu", "HardSwish", "Mish", "ThresholdedRelu",
    };

    /// <summary>Every composite activation of <paramref name="g"/>, in topological order of their sources.</summary>
    public static IReadOnlyList<CompositeActivation> Find(LoadedGraph g)
    {
        var consumers = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
        foreach (var node in g.Order)
            foreach (var input in node.Input.Where(i => i.Length > 0).Distinct())
            {
                if (!consumers.TryGetValue(input, out var list)) consumers[input] = list = [];
                list.Add(node);
            }
        var position = new Dictionary<NodeProto, int>(ReferenceEqualityComparer.Instance);
        for (var k = 0; k < g.Order.Count; k++) position[g.Order[k]] = k;
        var constant = new Dictionary<string, bool>(StringComparer.Ordinal);
        var found = new List<CompositeActivation>();
        var absorbed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);

        foreach (var seed in g.Order)
        {
            if (!Seeds.Contains(seed.OpType) || absorbed.Contains(seed) || seed.Input.Count == 0) continue;
            var (source, members) = SourceOf(seed);
            if (source is null || members is null) continue; // a plain chain: single activations
            var exits = members.SelectMany(m => m.Output).Where(o => o.Length > 0)
                .Where(o => g.Graph.Output.Any(go => go.Name == o) || consumers.GetValueOrDefault(o, []).Any(c => !members.Contains(c)))
                .ToArray();
            absorbed.UnionWith(members);
            found.Add(new CompositeActivation(source, members, exits, Label(members)));
        }
        return found;

        bool IsConstant(string value)
        {
            if (constant.TryGetValue(value, out var c)) return c;
            c = g.Initializers.ContainsKey(value) || (g.Producers.TryGetValue(value, out var p)
                && (p.OpType == "Constant" || (p.Input.Count > 0 && p.Input.Where(i => i.Length > 0).All(IsConstant))));
            return constant[value] = c;
        }

        IEnumerable<string> Variable(NodeProto n) => n.Input.Where(i => i.Length > 0 && !IsConstant(i));

        // The value the activation computes from: the nearest value up the seed's elementwise ancestry whose
        // region (below) holds the seed and reads it at least twice — the gating point of x·f(x); none = a plain activation.
        (string? Source, HashSet<NodeProto>? Members) SourceOf(NodeProto seed)
        {
            var queue = new Queue<string>([seed.Input[0]]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (queue.TryDequeue(out var v) && seen.Count < 64)
            {
                if (!seen.Add(v)) continue;
                if (consumers.GetValueOrDefault(v, []).Count(c => Elementwise.Contains(c.OpType)) >= 2)
                {
                    var region = Region(v);
                    if (region.Contains(seed) && region.Count(m => m.Input.Contains(v)) >= 2) return (v, region);
                }
                if (g.Producers.TryGetValue(v, out var p) && Elementwise.Contains(p.OpType))
                    foreach (var u in Variable(p)) queue.Enqueue(u);
            }
            return (null, null);
        }

        // The elementwise nodes whose variable inputs all come from source or from each other.
        HashSet<NodeProto> Region(string source)
        {
            var values = new HashSet<string>(StringComparer.Ordinal) { source };
            var region = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
            var start = g.Producers.TryGetValue(source, out var producer) ? position[producer] + 1 : 0;
            for (var k = start; k < g.Order.Count; k++)
            {
                var node = g.Order[k];
                if (!Elementwise.Contains(node.OpType)) continue;
                var vars = Variable(node).ToArray();
                if (vars.Length == 0 || !vars.All(values.Contains)) continue;
                region.Add(node);
                values.UnionWith(node.Output.Where(o => o.Length > 0));
            }
            return region;
        }
    }

    private static string Label(IReadOnlySet<NodeProto> members)
    {
        var ops = members.Select(m => m.OpType).ToHashSet(StringComparer.Ordinal);
        if (ops.Contains("Erf")) return "Gelu";
        if (ops.Contains("Tanh") && ops.Contains("Softplus")) return "Mish";
        if (ops.Contains("Tanh") && ops.Contains("Pow")) return "Gelu(tanh)";
        if (ops.Contains("HardSigmoid")) return "HardSwish";
        if (ops.Contains("Sigmoid") && ops.Count == 2 && ops.Contains("Mul")) return GraphInspector.SiluOperator;
        return $"Composite({string.Join("·", members.Select(m => m.OpType).Distinct())})";
    }
}

using Onnx;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// Reads any ONNX model (RepAlign's own or a foreign exporter's) and lists its inputs, outputs and the
/// candidate hidden layers in topological order: what <c>repalign inspect</c> prints and what
/// <c>--layers auto</c> picks from.
/// </summary>
public static class GraphInspector
{
    /// <summary>Activation operators whose outputs are nonlinearity candidates.</summary>
    public static IReadOnlySet<string> Nonlinearities { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Elu", "Selu", "Celu", "Gelu", "Softplus", "Softsign", "HardSigmoid", "HardSwish",
        "Mish", "PRelu", "ThresholdedRelu",
    };

    /// <summary>Operators whose outputs are linear (pre-activation) candidates.</summary>
    public static IReadOnlySet<string> LinearOperators { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "Conv", "Add",
    };

    /// <summary>The operator name reported for a <c>Mul(x, Sigmoid(x))</c> pattern (SiLU / swish); other decomposed activations are reported as <c>Gelu</c>, <c>Gelu(tanh)</c>, <c>HardSwish</c>, <c>Mish</c> or <c>Composite(…)</c>.</summary>
    public const string SiluOperator = "Silu";

    /// <summary>Inspects the model at <paramref name="path"/>; <see cref="RepAlign.Core.BadInputException"/> when it is missing or not a valid ONNX graph.</summary>
    public static GraphInfo Inspect(string path) => Inspect(LoadedGraph.Load(path));

    /// <summary>Inspects model bytes; <paramref name="source"/> names them in messages.</summary>
    public static GraphInfo Inspect(byte[] model, string source) => Inspect(LoadedGraph.From(OnnxModelFile.Parse(model, source), source));

    /// <summary>Inspects a parsed model; <paramref name="source"/> names it in messages.</summary>
    public static GraphInfo Inspect(ModelProto model, string source) => Inspect(LoadedGraph.From(model, source));

    internal static GraphInfo Inspect(LoadedGraph g)
    {
        var candidates = new List<HiddenCandidate>();
        var composites = CompositeActivations.Find(g);
        var member = new Dictionary<NodeProto, CompositeActivation>(ReferenceEqualityComparer.Instance);
        foreach (var c in composites)
            foreach (var m in c.Members) member[m] = c;
        var ambiguous = new List<string>();
        foreach (var node in g.Order)
        {
            if (node.Output.Count == 0 || node.Output[0].Length == 0) continue;
            var name = node.Output[0];
            string op;
            CandidateKind kind;
            if (member.TryGetValue(node, out var composite))
            {
                if (!composite.Exits.Contains(name)) continue; // inside a decomposed activation
                (op, kind) = (composite.Label, CandidateKind.Nonlinearity);
            }
            else if (Nonlinearities.Contains(node.OpType)) (op, kind) = (node.OpType, CandidateKind.Nonlinearity);
            else if (LinearOperators.Contains(node.OpType)) (op, kind) = (node.OpType, CandidateKind.Linear);
            else continue;
            candidates.Add(new HiddenCandidate(candidates.Count, name, kind, op, g.Shapes.GetValueOrDefault(name), node.Name));
        }
        foreach (var c in composites.Where(c => c.Exits.Count != 1))
        {
            var nodes = string.Join(", ", g.Order.Where(c.Members.Contains).Select(n => $"'{n.Name}' ({n.OpType})"));
            ambiguous.Add(c.Exits.Count == 0
                ? $"the nodes {nodes} compute an activation of '{c.Source}' that nothing reads"
                : $"the nodes {nodes} compute an activation ({c.Label}) of '{c.Source}' whose values {string.Join(" and ", c.Exits.Select(e => $"'{e}'"))} are all read further on, so it has no single output to take as the layer");
        }

        var exits = composites.Where(c => c.Exits.Count > 1).SelectMany(c => c.Exits).ToHashSet(StringComparer.Ordinal);
        return new GraphInfo
        {
            Source = g.Source,
            Opset = g.Opset,
            IrVersion = g.Model.IrVersion,
            Inputs = g.RuntimeInputs.Select(i => Value(g, i)).ToArray(),
            Outputs = g.Graph.Output.Select(o => Value(g, o)).ToArray(),
            Candidates = candidates,
            AutoLayers = candidates.Where(c => c.Kind == CandidateKind.Nonlinearity && !exits.Contains(c.Name) && !g.IsFinalOutput(c.Name)).ToArray(),
            AutoProblems = ambiguous,
            ComputedValues = g.Order.SelectMany(n => n.Output).Where(o => o.Length > 0).ToArray(),
        };
    }

    private static GraphValue Value(LoadedGraph g, ValueInfoProto info) =>
        new(info.Name, info.Type?.TensorType?.ElemType ?? 0, info.Type?.TensorType?.Shape is { } s ? ShapeInference.FromProto(s) : null);
}

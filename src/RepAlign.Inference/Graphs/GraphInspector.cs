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
        "Relu", "LeakyRelu", "Tanh", "Sigmoid", "Elu", "Selu", "Gelu", "Softplus",
    };

    /// <summary>Operators whose outputs are linear (pre-activation) candidates.</summary>
    public static IReadOnlySet<string> LinearOperators { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Gemm", "MatMul", "Conv", "Add",
    };

    /// <summary>The operator name reported for a <c>Mul(x, Sigmoid(x))</c> pattern (SiLU / swish).</summary>
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
        var absorbed = SiluSigmoids(g, out var siluMuls);
        foreach (var node in g.Order)
        {
            if (node.Output.Count == 0 || node.Output[0].Length == 0) continue;
            string op;
            CandidateKind kind;
            if (siluMuls.Contains(node)) (op, kind) = (SiluOperator, CandidateKind.Nonlinearity);
            else if (Nonlinearities.Contains(node.OpType) && !absorbed.Contains(node)) (op, kind) = (node.OpType, CandidateKind.Nonlinearity);
            else if (LinearOperators.Contains(node.OpType)) (op, kind) = (node.OpType, CandidateKind.Linear);
            else continue;
            var name = node.Output[0];
            candidates.Add(new HiddenCandidate(candidates.Count, name, kind, op, g.Shapes.GetValueOrDefault(name), node.Name));
        }

        return new GraphInfo
        {
            Source = g.Source,
            Opset = g.Opset,
            IrVersion = g.Model.IrVersion,
            Inputs = g.RuntimeInputs.Select(i => Value(g, i)).ToArray(),
            Outputs = g.Graph.Output.Select(o => Value(g, o)).ToArray(),
            Candidates = candidates,
            AutoLayers = candidates.Where(c => c.Kind == CandidateKind.Nonlinearity && !g.IsFinalOutput(c.Name)).ToArray(),
            ComputedValues = g.Order.SelectMany(n => n.Output).Where(o => o.Length > 0).ToArray(),
        };
    }

    private static GraphValue Value(LoadedGraph g, ValueInfoProto info) =>
        new(info.Name, info.Type?.TensorType?.ElemType ?? 0, info.Type?.TensorType?.Shape is { } s ? ShapeInference.FromProto(s) : null);

    /// <summary>
    /// Finds <c>Mul(X, Sigmoid(X))</c> (either operand order): returns the Sigmoid nodes that belong to such a
    /// pattern (not reported on their own) and the Mul nodes (reported as <see cref="SiluOperator"/>).
    /// </summary>
    private static HashSet<NodeProto> SiluSigmoids(LoadedGraph g, out HashSet<NodeProto> muls)
    {
        var sigmoids = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        muls = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        foreach (var node in g.Graph.Node)
        {
            if (node.OpType != "Mul" || node.Input.Count != 2) continue;
            for (var s = 0; s < 2; s++)
            {
                if (g.Producers.TryGetValue(node.Input[s], out var sig) && sig.OpType == "Sigmoid" && sig.Input.Count == 1 && sig.Input[0] == node.Input[1 - s])
                {
                    sigmoids.Add(sig);
                    muls.Add(node);
                    break;
                }
            }
        }
        return sigmoids;
    }
}

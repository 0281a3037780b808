using Onnx;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// What must agree between the checkpoints of one run: the operator sequence in topological order, the
/// run-time inputs' shapes, and every initialiser's name and shape (the weights' values may differ).
/// </summary>
/// <param name="Operators">Operator types in a topological order that does not depend on the file's node order (domain-qualified outside the default domain).</param>
/// <param name="Inputs">Run-time inputs as <c>name [dims]</c>, in graph order.</param>
/// <param name="Initializers">Initialiser shapes by name.</param>
public sealed record ArchitectureSignature(IReadOnlyList<string> Operators, IReadOnlyList<string> Inputs, IReadOnlyDictionary<string, string> Initializers)
{
    /// <summary>The signature of the model at <paramref name="path"/>.</summary>
    public static ArchitectureSignature Of(string path) => Of(LoadedGraph.Load(path));

    /// <summary>The signature of a parsed model.</summary>
    public static ArchitectureSignature Of(ModelProto model, string source) => Of(LoadedGraph.From(model, source));

    internal static ArchitectureSignature Of(LoadedGraph g) => new(
        g.CanonicalOrder().Select(n => n.Domain is "" or "ai.onnx" ? n.OpType : $"{n.Domain}.{n.OpType}").ToArray(),
        g.RuntimeInputs.Select(i => $"{i.Name} {TensorDim.Format(g.Shapes.GetValueOrDefault(i.Name))}").ToArray(),
        g.Graph.Initializer.ToDictionary(t => t.Name, t => "[" + string.Join(", ", t.Dims) + "]", StringComparer.Ordinal));

    /// <summary>The first difference from <paramref name="other"/> in words, or null when the architectures agree.</summary>
    public string? FirstDifference(ArchitectureSignature other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (var i = 0; i < Math.Min(Operators.Count, other.Operators.Count); i++)
            if (Operators[i] != other.Operators[i])
                return $"operator {i} (in topological order) is {other.Operators[i]} where the previous checkpoint has {Operators[i]}";
        if (Operators.Count != other.Operators.Count)
            return $"{other.Operators.Count} operators where the previous checkpoint has {Operators.Count}";
        if (!Inputs.SequenceEqual(other.Inputs))
            return $"inputs {string.Join(", ", other.Inputs)} where the previous checkpoint has {string.Join(", ", Inputs)}";
        foreach (var (name, shape) in Initializers.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!other.Initializers.TryGetValue(name, out var otherShape))
                return $"no initialiser '{name}' where the previous checkpoint has one of shape {shape}";
            if (otherShape != shape)
                return $"initialiser '{name}' has shape {otherShape} where the previous checkpoint has {shape}";
        }
        foreach (var (name, shape) in other.Initializers.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            if (!Initializers.ContainsKey(name))
                return $"an initialiser '{name}' of shape {shape} the previous checkpoint does not have";
        return null;
    }
}

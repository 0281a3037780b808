namespace RepAlign.Inference.Graphs;

/// <summary>Whether a hidden-layer candidate is the output of a nonlinearity or of a linear operator.</summary>
public enum CandidateKind
{
    /// <summary>The output of an activation (Relu, LeakyRelu, Tanh, Sigmoid, Elu, Gelu, HardSwish, …), or the last node of an activation the exporter decomposed (GELU as Erf/Mul/Add, SiLU as x·sigmoid(x), Hardswish as x·hardsigmoid(x)).</summary>
    Nonlinearity,
    /// <summary>The output of Gemm, MatMul, Conv or Add (a pre-activation).</summary>
    Linear,
}

/// <summary>A graph input or output: its name, element type and shape.</summary>
/// <param name="Name">The value's name in the graph.</param>
/// <param name="ElemType">The ONNX element type (<c>TensorProto.DataType</c>: 1 = float32), or 0 when not declared.</param>
/// <param name="Shape">The declared shape, or null when the graph declares none.</param>
public sealed record GraphValue(string Name, int ElemType, IReadOnlyList<TensorDim>? Shape)
{
    /// <summary>Values per batch row (product of the dimensions after the first), or null when one of them is not fixed.</summary>
    public long? RowWidth => TensorDim.RowWidth(Shape);

    /// <inheritdoc />
    public override string ToString() => $"{Name} {TensorDim.Format(Shape)}";
}

/// <summary>A value that can be exposed as a hidden layer.</summary>
/// <param name="Index">Position among all candidates, in topological order.</param>
/// <param name="Name">The value's name (what <see cref="GraphEditor.ExposeOutputs(byte[], IReadOnlyList{string}, string)"/> takes).</param>
/// <param name="Kind">Nonlinearity or linear.</param>
/// <param name="Operator">The ONNX operator that produces it (<c>Relu</c>, <c>Gemm</c>, …); <c>Silu</c> for a <c>Mul(x, Sigmoid(x))</c> pattern.</param>
/// <param name="Shape">The declared or inferred shape, or null when unknown.</param>
/// <param name="NodeName">The producing node's name (may be empty in foreign graphs).</param>
public sealed record HiddenCandidate(int Index, string Name, CandidateKind Kind, string Operator, IReadOnlyList<TensorDim>? Shape, string NodeName)
{
    /// <summary>Values per batch row, or null when the shape is not fully known.</summary>
    public long? RowWidth => TensorDim.RowWidth(Shape);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Operator}, {TensorDim.Format(Shape)})";
}

/// <summary>
/// What <see cref="GraphInspector.Inspect(string)"/> finds in an ONNX model: its inputs and outputs and
/// the candidate hidden layers in topological order.
/// </summary>
public sealed record GraphInfo
{
    /// <summary>Where the model came from (its path, or a caller-given label), used in messages.</summary>
    public required string Source { get; init; }

    /// <summary>The opset version of the default (<c>ai.onnx</c>) domain, or 0 when the model imports none.</summary>
    public required long Opset { get; init; }

    /// <summary>The model's IR version.</summary>
    public required long IrVersion { get; init; }

    /// <summary>The graph inputs that are fed at run time (initialisers listed as inputs are left out), in graph order.</summary>
    public required IReadOnlyList<GraphValue> Inputs { get; init; }

    /// <summary>The graph outputs, in graph order.</summary>
    public required IReadOnlyList<GraphValue> Outputs { get; init; }

    /// <summary>Every candidate hidden layer (nonlinearity and linear outputs), in topological order.</summary>
    public required IReadOnlyList<HiddenCandidate> Candidates { get; init; }

    /// <summary>
    /// The layers <c>--layers auto</c> takes, numbered 0, 1, … in this order: every nonlinearity output in
    /// topological order, except a final one — a graph output (directly or through Identity nodes) that no
    /// other node computes from, such as a Sigmoid or Tanh giving the prediction. Hidden activations that are
    /// also graph outputs (as in RepAlign's own checkpoints) stay, since the next layer reads them.
    /// </summary>
    public required IReadOnlyList<HiddenCandidate> AutoLayers { get; init; }

    /// <summary>
    /// Why <c>--layers auto</c> cannot choose, one sentence per place (empty when it can): a decomposed activation
    /// whose intermediate values are read further on has no single output to take as the layer.
    /// </summary>
    public IReadOnlyList<string> AutoProblems { get; init; } = [];

    /// <summary>The names of every value some node computes (what can be exposed as an output), in topological order.</summary>
    public required IReadOnlyList<string> ComputedValues { get; init; }

    /// <summary>The candidate named <paramref name="name"/>, or null.</summary>
    public HiddenCandidate? Candidate(string name) => Candidates.FirstOrDefault(c => c.Name == name);

    /// <summary>The input named <paramref name="name"/>, or the first input when <paramref name="name"/> is null; null when there is none.</summary>
    public GraphValue? Input(string? name = null) =>
        name is null ? Inputs.FirstOrDefault() : Inputs.FirstOrDefault(i => i.Name == name);
}

namespace RepAlign.Inference.Graphs;

/// <summary>
/// One dimension of a tensor shape as an ONNX graph declares or implies it: a fixed size
/// (<see cref="Value"/>), a symbolic size named by the exporter (<see cref="Param"/>, e.g. <c>batch</c>),
/// or unknown (neither).
/// </summary>
/// <param name="Value">The fixed size, or null.</param>
/// <param name="Param">The symbolic name, or null.</param>
public readonly record struct TensorDim(long? Value, string? Param)
{
    /// <summary>A dimension of unknown size.</summary>
    public static TensorDim Unknown => default;

    /// <summary>A fixed dimension.</summary>
    public static TensorDim Fixed(long value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static TensorDim Symbolic(string name) => new(null, name);

    /// <summary>Whether the size is a number.</summary>
    public bool IsFixed => Value is not null;

    /// <summary>The size as written in messages: the number, the symbolic name, or <c>?</c>.</summary>
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";

    /// <summary>A shape as written in messages, e.g. <c>[batch, 784]</c>; <c>unknown</c> when the rank is not known.</summary>
    public static string Format(IReadOnlyList<TensorDim>? shape) =>
        shape is null ? "unknown" : "[" + string.Join(", ", shape) + "]";

    /// <summary>Product of the fixed dimensions after the first (values per batch row), or null when one of them is not fixed.</summary>
    public static long? RowWidth(IReadOnlyList<TensorDim>? shape)
    {
        if (shape is null || shape.Count == 0) return null;
        long width = 1;
        for (var i = 1; i < shape.Count; i++)
        {
            if (shape[i].Value is not { } v) return null;
            width *= v;
        }
        return width;
    }
}

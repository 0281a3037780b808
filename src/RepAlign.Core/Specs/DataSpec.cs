namespace RepAlign.Core.Specs;

/// <summary>The data set: the paper's two points (or, later, MNIST and others).</summary>
public sealed record DataSpec
{
    /// <summary>Data set kind: "two_point".</summary>
    public string Kind { get; init; } = "two_point";

    /// <summary>Squared input distance ‖x_B − x_A‖² of the two points.</summary>
    public double Dx2 { get; init; } = 1.0;

    /// <summary>Squared target distance ‖y_B* − y_A*‖² of the two points.</summary>
    public double Dy2 { get; init; } = 0.5;

    /// <summary>Input dimension.</summary>
    public int InputDim { get; init; } = 1;

    /// <summary>Output dimension.</summary>
    public int OutputDim { get; init; } = 1;
}

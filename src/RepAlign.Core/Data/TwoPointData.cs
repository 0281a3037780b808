using RepAlign.Core.Specs;

namespace RepAlign.Core.Data;

/// <summary>
/// The paper's two points: x_A = −1/sqrt(d_in), x_B = (−1 + sqrt(dx2))/sqrt(d_in) in every
/// component; y_A = 0.6/sqrt(d_out), y_B = (0.6 + sqrt(dy2))/sqrt(d_out). So ‖x_B − x_A‖² = dx2 and
/// ‖y_B − y_A‖² = dy2 exactly (up to float rounding).
/// </summary>
public sealed class TwoPointData
{
    /// <summary>Row index of point A.</summary>
    public const int A = 0;

    /// <summary>Row index of point B.</summary>
    public const int B = 1;

    /// <summary>Builds the two points of <paramref name="spec"/>; throws <see cref="BadInputException"/> on invalid dimensions or distances.</summary>
    public TwoPointData(DataSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.InputDim < 1) Throw.BadValue("data.input_dim", spec.InputDim.ToString(), "an integer ≥ 1");
        if (spec.OutputDim < 1) Throw.BadValue("data.output_dim", spec.OutputDim.ToString(), "an integer ≥ 1");
        if (!(spec.Dx2 >= 0) || double.IsInfinity(spec.Dx2)) Throw.BadValue("data.dx2", spec.Dx2.ToString("R"), "a finite number ≥ 0");
        if (!(spec.Dy2 >= 0) || double.IsInfinity(spec.Dy2)) Throw.BadValue("data.dy2", spec.Dy2.ToString("R"), "a finite number ≥ 0");
        Spec = spec;
        InputDim = spec.InputDim;
        OutputDim = spec.OutputDim;
        X = Rows(InputDim, -1.0, -1.0 + Math.Sqrt(spec.Dx2));
        Y = Rows(OutputDim, 0.6, 0.6 + Math.Sqrt(spec.Dy2));
    }

    /// <summary>The spec the points were built from.</summary>
    public DataSpec Spec { get; }

    /// <summary>Input dimension d_in.</summary>
    public int InputDim { get; }

    /// <summary>Output dimension d_out.</summary>
    public int OutputDim { get; }

    /// <summary>Inputs, 2 × d_in, row-major (row 0 = A, row 1 = B).</summary>
    public float[] X { get; }

    /// <summary>Targets, 2 × d_out, row-major (row 0 = A, row 1 = B).</summary>
    public float[] Y { get; }

    /// <summary>The tracked pair (a, b) = (0, 1).</summary>
    public (int A, int B) Pair => (A, B);

    /// <summary>Input row <paramref name="row"/> (0 or 1).</summary>
    public ReadOnlySpan<float> XRow(int row) => X.AsSpan(row * InputDim, InputDim);

    /// <summary>Target row <paramref name="row"/> (0 or 1).</summary>
    public ReadOnlySpan<float> YRow(int row) => Y.AsSpan(row * OutputDim, OutputDim);

    private static float[] Rows(int dim, double a, double b)
    {
        var scale = 1.0 / Math.Sqrt(dim);
        var rows = new float[2 * dim];
        Array.Fill(rows, (float)(a * scale), 0, dim);
        Array.Fill(rows, (float)(b * scale), dim, dim);
        return rows;
    }
}

namespace RepAlign.Core.Metrics;

/// <summary>
/// The three scalars of the two-point theory for one pair (a, b) at one layer, in double precision:
/// h2 = ‖h_b − h_a‖², y2 = ‖ŷ_b − ŷ_a‖², w = y2 − (y_b* − y_a*)·(ŷ_b − ŷ_a).
/// The one implementation used by online tracking and by ONNX extraction.
/// </summary>
/// <param name="H2">Squared representational distance at the layer.</param>
/// <param name="Y2">Squared distance of the predictions.</param>
/// <param name="W">Output alignment.</param>
public readonly record struct PairMetrics(double H2, double Y2, double W)
{
    /// <summary>Computes the metrics from the two representations, the two predictions and the two targets.</summary>
    public static PairMetrics Compute(
        ReadOnlySpan<float> hiddenA, ReadOnlySpan<float> hiddenB,
        ReadOnlySpan<float> predA, ReadOnlySpan<float> predB,
        ReadOnlySpan<float> targetA, ReadOnlySpan<float> targetB)
    {
        var y2 = SquaredDistance(predA, predB);
        return new PairMetrics(SquaredDistance(hiddenA, hiddenB), y2, Alignment(y2, predA, predB, targetA, targetB));
    }

    /// <summary>‖b − a‖² in double; throws <see cref="ArgumentException"/> when the lengths differ.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) Throw.Argument(nameof(b), $"vector lengths differ: {a.Length} and {b.Length}");
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var d = (double)b[i] - a[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>w = y2 − (y_b* − y_a*)·(ŷ_b − ŷ_a), given y2 = ‖ŷ_b − ŷ_a‖².</summary>
    public static double Alignment(double y2, ReadOnlySpan<float> predA, ReadOnlySpan<float> predB, ReadOnlySpan<float> targetA, ReadOnlySpan<float> targetB)
    {
        if (predA.Length != predB.Length || targetA.Length != targetB.Length || predA.Length != targetA.Length)
            Throw.Argument(null, $"prediction lengths {predA.Length}, {predB.Length} and target lengths {targetA.Length}, {targetB.Length} must all agree");
        var dot = 0.0;
        for (var i = 0; i < predA.Length; i++) dot += ((double)targetB[i] - targetA[i]) * ((double)predB[i] - predA[i]);
        return y2 - dot;
    }
}

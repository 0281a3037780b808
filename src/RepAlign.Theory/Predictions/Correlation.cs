namespace RepAlign.Theory;

/// <summary>Correlation statistics used to compare predicted and measured structure.</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r of two equally long samples (two-pass, mean-centred). NaN when either sample has
    /// zero variance (r is undefined there) or fewer than two values.
    /// </summary>
    /// <param name="a">First sample.</param>
    /// <param name="b">Second sample, same length.</param>
    /// <returns>r in [−1, 1], or NaN as documented.</returns>
    public static double Pearson(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
        {
            TheoryThrow.ShapeMismatch(nameof(b), $"length {b.Length}", $"length {a.Length} (same as a)");
        }

        int n = a.Length;
        if (n < 2) return double.NaN;
        double meanA = 0, meanB = 0;
        for (int i = 0; i < n; i++)
        {
            meanA += a[i];
            meanB += b[i];
        }

        meanA /= n;
        meanB /= n;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < n; i++)
        {
            double da = a[i] - meanA, db = b[i] - meanB;
            sab += da * db;
            saa += da * da;
            sbb += db * db;
        }

        if (saa == 0 || sbb == 0) return double.NaN;
        return Math.Clamp(sab / Math.Sqrt(saa * sbb), -1.0, 1.0);
    }
}

using RepAlign.Core;

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
        RequireSameLength(a, b);
        if (a.Length < 2) return double.NaN;
        var (sab, saa, sbb) = CentredSums(a, b);
        if (saa == 0 || sbb == 0) return double.NaN;
        return Math.Clamp(sab / Math.Sqrt(saa * sbb), -1.0, 1.0);
    }

    /// <summary>Spearman's ρ: Pearson's r of the ranks (ties share their mean rank). NaN as for <see cref="Pearson"/>.</summary>
    /// <param name="a">First sample.</param>
    /// <param name="b">Second sample, same length.</param>
    public static double Spearman(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        RequireSameLength(a, b);
        return Pearson(Ranks(a), Ranks(b));
    }

    /// <summary>Least-squares slope of <paramref name="y"/> on <paramref name="x"/> (with intercept); NaN when x is constant.</summary>
    /// <param name="x">Regressor.</param>
    /// <param name="y">Response, same length.</param>
    public static double Slope(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RequireSameLength(x, y);
        if (x.Length < 2) return double.NaN;
        var (sxy, sxx, _) = CentredSums(x, y);
        return sxx == 0 ? double.NaN : sxy / sxx;
    }

    /// <summary>Σ(a − ā)(b − b̄), Σ(a − ā)², Σ(b − b̄)² in two passes (equal lengths, at least one value).</summary>
    private static (double Ab, double Aa, double Bb) CentredSums(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length;
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

        return (sab, saa, sbb);
    }

    private static void RequireSameLength(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
        {
            Throw.ShapeMismatch(nameof(b), $"length {b.Length}", $"length {a.Length} (same as the first sample)");
        }
    }

    private static double[] Ranks(ReadOnlySpan<double> values)
    {
        var order = new int[values.Length];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        var copy = values.ToArray();
        Array.Sort(copy.ToArray(), order);
        var ranks = new double[values.Length];
        for (int i = 0; i < order.Length;)
        {
            int j = i;
            while (j + 1 < order.Length && copy[order[j + 1]] == copy[order[i]]) j++;
            double mean = 0.5 * (i + j);
            for (int k = i; k <= j; k++) ranks[order[k]] = mean;
            i = j + 1;
        }

        return ranks;
    }
}

using RepAlign.Core;

namespace RepAlign.Theory;

/// <summary>Correlation statistics used to compare predicted and measured structure.</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r of two equally long samples (Math.NET's <c>Correlation.Pearson</c> of the mean-centred samples,
    /// clamped to [−1, 1]). NaN when either sample has zero variance (r is undefined there) or fewer than two values.
    /// </summary>
    /// <remarks>
    /// r does not change under a shift, but Math.NET's one-pass update loses digits when a sample's mean is large
    /// against its spread (squared distances are); centring first keeps r as accurate as a two-pass sum.
    /// </remarks>
    /// <param name="a">First sample.</param>
    /// <param name="b">Second sample, same length.</param>
    /// <returns>r in [−1, 1], or NaN as documented.</returns>
    public static double Pearson(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        RequireSameLength(a, b);
        if (a.Length < 2) return double.NaN;
        var r = MathNet.Numerics.Statistics.Correlation.Pearson(Centred(a), Centred(b));
        return double.IsNaN(r) || double.IsInfinity(r) ? double.NaN : Math.Clamp(r, -1.0, 1.0);
    }

    /// <summary>Spearman's ρ (Math.NET's <c>Correlation.Spearman</c>: Pearson's r of the ranks, ties sharing their mean rank). NaN as for <see cref="Pearson"/>.</summary>
    /// <param name="a">First sample.</param>
    /// <param name="b">Second sample, same length.</param>
    public static double Spearman(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        RequireSameLength(a, b);
        if (a.Length < 2) return double.NaN;
        var rho = MathNet.Numerics.Statistics.Correlation.Spearman(a.ToArray(), b.ToArray());
        return double.IsNaN(rho) || double.IsInfinity(rho) ? double.NaN : Math.Clamp(rho, -1.0, 1.0);
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

    /// <summary>A copy of <paramref name="x"/> less its mean.</summary>
    private static double[] Centred(ReadOnlySpan<double> x)
    {
        var centred = x.ToArray();
        var mean = MathNet.Numerics.Statistics.ArrayStatistics.Mean(centred);
        for (var i = 0; i < centred.Length; i++) centred[i] -= mean;
        return centred;
    }

    private static void RequireSameLength(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length)
        {
            Throw.ShapeMismatch(nameof(b), $"length {b.Length}", $"length {a.Length} (same as the first sample)");
        }
    }
}

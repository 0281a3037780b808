using System.Numerics;
using System.Runtime.InteropServices;

namespace RepAlign.Inference.Bulk;

/// <summary>How the bulk extractor computes h2 = ‖h_b − h_a‖² of a pair.</summary>
public enum PairDistanceMethod
{
    /// <summary>
    /// Sum of squared differences, each difference of two float32 values formed exactly in double.
    /// As accurate as <see cref="Core.Metrics.PairMetrics.SquaredDistance"/> (the reference) and, for
    /// a list of pairs, as fast as a dot product: the default.
    /// </summary>
    Direct,

    /// <summary>
    /// ‖h_a‖² + ‖h_b‖² − 2 h_a·h_b with the squared norms computed once per image; where the result
    /// is below <see cref="PairKernels.CancellationGuard"/> of ‖h_a‖² + ‖h_b‖² (cancellation would
    /// cost digits) the pair is recomputed with <see cref="Direct"/>.
    /// </summary>
    NormDot,
}

/// <summary>
/// Vectorised kernels over float32 rows with double accumulation (each float32 product is exact in
/// double, so the only rounding is in the sums). The scalar reference is
/// <see cref="Core.Metrics.PairMetrics.SquaredDistance"/>; tests hold these to it.
/// </summary>
public static class PairKernels
{
    /// <summary>
    /// Relative size below which <see cref="PairDistanceMethod.NormDot"/> falls back to the direct
    /// difference: the error of the norm-and-dot form is about width·2⁻⁵³·(‖h_a‖² + ‖h_b‖²), so at
    /// this guard its relative error stays below width·1e-12.
    /// </summary>
    public const double CancellationGuard = 1e-4;

    /// <summary>‖b − a‖², differences formed in double.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vector lengths differ: {a.Length} and {b.Length}");
        var i = 0;
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (var k = 0; k < va.Length; k++)
            {
                Vector.Widen(va[k], out var alo, out var ahi);
                Vector.Widen(vb[k], out var blo, out var bhi);
                var dlo = blo - alo;
                var dhi = bhi - ahi;
                acc0 += dlo * dlo;
                acc1 += dhi * dhi;
            }
            i = va.Length * Vector<float>.Count;
        }
        var sum = Vector.Sum(acc0 + acc1);
        for (; i < a.Length; i++)
        {
            var d = (double)b[i] - a[i];
            sum += d * d;
        }
        return sum;
    }

    /// <summary>a·b in double.</summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vector lengths differ: {a.Length} and {b.Length}");
        var i = 0;
        var acc0 = Vector<double>.Zero;
        var acc1 = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated && a.Length >= Vector<float>.Count)
        {
            var va = MemoryMarshal.Cast<float, Vector<float>>(a);
            var vb = MemoryMarshal.Cast<float, Vector<float>>(b);
            for (var k = 0; k < va.Length; k++)
            {
                Vector.Widen(va[k], out var alo, out var ahi);
                Vector.Widen(vb[k], out var blo, out var bhi);
                acc0 += alo * blo;
                acc1 += ahi * bhi;
            }
            i = va.Length * Vector<float>.Count;
        }
        var sum = Vector.Sum(acc0 + acc1);
        for (; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    /// <summary>Squared norms of the <paramref name="count"/> rows of <paramref name="rows"/> (each <paramref name="width"/> wide) into <paramref name="norms"/>.</summary>
    public static void SquaredNorms(ReadOnlySpan<float> rows, int count, int width, Span<double> norms)
    {
        if (rows.Length < (long)count * width || norms.Length < count)
            throw new ArgumentException($"{count} rows of {width}: got {rows.Length} values and room for {norms.Length} norms");
        for (var r = 0; r < count; r++)
        {
            var row = rows.Slice(r * width, width);
            norms[r] = Dot(row, row);
        }
    }

    /// <summary>
    /// h2 of every pair of rows: <paramref name="h2"/>[p] = ‖row(pb[p]) − row(pa[p])‖² with rows
    /// <paramref name="width"/> wide in <paramref name="rows"/>. <paramref name="norms"/> (one per row)
    /// is needed by <see cref="PairDistanceMethod.NormDot"/> only and may be empty otherwise.
    /// </summary>
    public static void PairDistances(ReadOnlySpan<float> rows, int width, ReadOnlySpan<int> pa, ReadOnlySpan<int> pb,
        PairDistanceMethod method, ReadOnlySpan<double> norms, Span<double> h2)
    {
        if (pa.Length != pb.Length || h2.Length < pa.Length) throw new ArgumentException("pair index and result lengths disagree");
        for (var p = 0; p < pa.Length; p++)
        {
            var a = rows.Slice(pa[p] * width, width);
            var b = rows.Slice(pb[p] * width, width);
            if (method == PairDistanceMethod.Direct)
            {
                h2[p] = SquaredDistance(a, b);
                continue;
            }
            var scale = norms[pa[p]] + norms[pb[p]];
            var d = scale - 2 * Dot(a, b);
            h2[p] = d >= CancellationGuard * scale ? d : SquaredDistance(a, b);
        }
    }
}

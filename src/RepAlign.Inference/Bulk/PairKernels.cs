using RepAlign.Core;
using System.Numerics;
using System.Runtime.InteropServices;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// Vectorised kernels over float32 rows with double accumulation (each float32 product is exact in
/// double, so the only rounding is in the sums). The scalar reference is
/// <see cref="Core.Metrics.PairMetrics.SquaredDistance"/>; tests hold these to it.
/// </summary>
public static class PairKernels
{
    /// <summary>‖b − a‖², differences formed in double.</summary>
    public static double SquaredDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) Throw.Argument(nameof(b), $"vector lengths differ: {a.Length} and {b.Length}");
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

    /// <summary>
    /// h2 of every pair of rows: <paramref name="h2"/>[p] = ‖row(pb[p]) − row(pa[p])‖² with rows
    /// <paramref name="width"/> wide in <paramref name="rows"/>, each by <see cref="SquaredDistance"/> (differences
    /// formed in double: as accurate as the scalar reference and, for a list of pairs, as fast as a dot product;
    /// benchmarks/results/extract-linux-x64.md compares it with the norm-and-dot form RepAlign no longer has).
    /// </summary>
    public static void PairDistances(ReadOnlySpan<float> rows, int width, ReadOnlySpan<int> pa, ReadOnlySpan<int> pb, Span<double> h2)
    {
        if (pa.Length != pb.Length || h2.Length < pa.Length) Throw.Argument(nameof(h2), "pair index and result lengths disagree");
        for (var p = 0; p < pa.Length; p++)
        {
            h2[p] = SquaredDistance(rows.Slice(pa[p] * width, width), rows.Slice(pb[p] * width, width));
        }
    }
}

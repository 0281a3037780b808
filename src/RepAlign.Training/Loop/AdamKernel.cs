using System.Runtime.Intrinsics;

namespace RepAlign.Training.Loop;

/// <summary>
/// The Adam update of a float32 parameter in two passes over its memory instead of libtorch's eight operations, with
/// the same roundings as those operations, so the result is bit-identical (tests compare them element by element):
/// <list type="bullet">
/// <item><see cref="Moments"/>: m ← fma(g, 1−β1, m·β1) and v ← fma((1−β2)·g, g, v·β2), which is what <c>mul_</c> followed by
/// <c>add_(g, α)</c> (libtorch's fused multiply–add) and <c>addcmul_</c> compute;</item>
/// <item>the square root of v stays libtorch's (<c>sqrt</c>): its vectorised square root is not IEEE's correctly rounded
/// one, and differs from it in about a sixth of the elements;</item>
/// <item><see cref="Step"/>: p ← p + (s·m) / (√v / c₂ + ε), the rounding order of <c>div_</c>, <c>add_</c> and <c>addcdiv_</c>.</item>
/// </list>
/// Every value is a float32 computed once (IEEE multiply, divide, add and fused multiply–add are exact-rounded, in
/// vector lanes as in scalars), so the result does not depend on the vector width.
/// </summary>
internal static class AdamKernel
{
    /// <summary>m ← fma(g, 1−β1, m·β1); v ← fma((1−β2)·g, g, v·β2), element by element.</summary>
    public static void Moments(Span<float> m, Span<float> v, ReadOnlySpan<float> g, float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2)
    {
        var n = g.Length;
        if (m.Length != n || v.Length != n) RepAlign.Core.Throw.Argument(nameof(g), $"moments of {m.Length} and {v.Length} values for a gradient of {n}");
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var b1 = Vector256.Create(beta1);
            var a1 = Vector256.Create(oneMinusBeta1);
            var b2 = Vector256.Create(beta2);
            var a2 = Vector256.Create(oneMinusBeta2);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var gi = Vector256.Create(g.Slice(i, Vector256<float>.Count));
                var mi = Vector256.Create(m.Slice(i, Vector256<float>.Count));
                var vi = Vector256.Create(v.Slice(i, Vector256<float>.Count));
                Vector256.FusedMultiplyAdd(gi, a1, mi * b1).CopyTo(m.Slice(i, Vector256<float>.Count));
                Vector256.FusedMultiplyAdd(a2 * gi, gi, vi * b2).CopyTo(v.Slice(i, Vector256<float>.Count));
            }
        }
        for (; i < n; i++)
        {
            m[i] = MathF.FusedMultiplyAdd(g[i], oneMinusBeta1, m[i] * beta1);
            v[i] = MathF.FusedMultiplyAdd(oneMinusBeta2 * g[i], g[i], v[i] * beta2);
        }
    }

    /// <summary>p ← p + (s·m) / (root / c₂ + ε), element by element, with root = libtorch's √v.</summary>
    public static void Step(Span<float> p, ReadOnlySpan<float> m, ReadOnlySpan<float> root, float stepSize, float correction2, float epsilon)
    {
        var n = p.Length;
        if (m.Length != n || root.Length != n) RepAlign.Core.Throw.Argument(nameof(p), $"{m.Length} moments and {root.Length} roots for {n} parameters");
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var s = Vector256.Create(stepSize);
            var c = Vector256.Create(correction2);
            var e = Vector256.Create(epsilon);
            for (; i <= n - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var pi = Vector256.Create(p.Slice(i, Vector256<float>.Count));
                var mi = Vector256.Create(m.Slice(i, Vector256<float>.Count));
                var ri = Vector256.Create(root.Slice(i, Vector256<float>.Count));
                (pi + s * mi / (ri / c + e)).CopyTo(p.Slice(i, Vector256<float>.Count));
            }
        }
        for (; i < n; i++) p[i] = p[i] + stepSize * m[i] / (root[i] / correction2 + epsilon);
    }
}

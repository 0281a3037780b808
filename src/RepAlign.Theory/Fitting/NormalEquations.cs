using System.Runtime.CompilerServices;

namespace RepAlign.Theory;

/// <summary>Up to five fit parameters (θ = ln η_h, ln η_y and, when the initial state is fitted, ln h₀, y₀, w₀), inline.</summary>
[InlineArray(TwoPointSensitivitySystem.AllParameters)]
internal struct ParameterVector
{
    private double _element;
}

/// <summary>A symmetric 5×5 matrix stored packed (lower triangle, row by row: index i(i+1)/2 + j for j ≤ i), inline.</summary>
[InlineArray(15)]
internal struct PackedSymmetric
{
    private double _element;

    /// <summary>The packed index of (i, j), either order.</summary>
    public static int Index(int i, int j) => i >= j ? i * (i + 1) / 2 + j : j * (j + 1) / 2 + i;
}

/// <summary>
/// Σ w r², JᵀWJ and JᵀWr in the fit parameters θ (J = ∂model/∂θ), accumulated while integrating the sensitivity
/// system: no Jacobian is stored. <see cref="Count"/> is 2 (rates) or 5 (rates and initial state).
/// </summary>
internal struct NormalEquations
{
    /// <summary>Σ w r², the weighted objective.</summary>
    public double Sum;

    /// <summary>Number of parameters.</summary>
    public int Count;

    /// <summary>JᵀWJ, packed.</summary>
    public PackedSymmetric A;

    /// <summary>JᵀWr.</summary>
    public ParameterVector G;

    /// <summary>Element (i, j) of JᵀWJ.</summary>
    public readonly double At(int i, int j) => A[PackedSymmetric.Index(i, j)];

    /// <summary>Adds one residual r = measured − model with weight w and its sensitivities ∂model/∂θ_k at <paramref name="s"/>[3k].</summary>
    public void Accumulate(double weight, double residual, ReadOnlySpan<double> s)
    {
        Sum += weight * residual * residual;
        for (int i = 0; i < Count; i++)
        {
            double si = s[3 * i];
            for (int j = 0; j <= i; j++) A[i * (i + 1) / 2 + j] += weight * s[3 * j] * si;
            G[i] += weight * residual * si;
        }
    }
}

/// <summary>Solves and inverts the small symmetric positive-definite systems of the fit (at most 5×5) by LDLᵀ.</summary>
internal static class SmallSymmetric
{
    /// <summary>
    /// Solves (A + λ·diag(A)) δ = g, the damped Gauss–Newton step, with <paramref name="tiny"/> added to each diagonal
    /// entry so a parameter without sensitivity does not divide by zero. False when the damped matrix is not positive
    /// definite (singular normal equations).
    /// </summary>
    public static bool SolveDamped(in NormalEquations n, double lambda, double tiny, Span<double> step)
    {
        int k = n.Count;
        Span<double> m = stackalloc double[25];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) m[i * 5 + j] = n.At(i, j);
            m[i * 5 + i] = m[i * 5 + i] * (1 + lambda) + tiny;
        }

        for (int i = 0; i < k; i++) step[i] = n.G[i];
        return Solve(m, k, step);
    }

    /// <summary>
    /// The diagonal of A⁻¹ for the first <paramref name="wanted"/> parameters, computed on the correlation-scaled matrix
    /// D^(−½) A D^(−½). False when A is singular at the relative threshold <paramref name="threshold"/>: a zero or
    /// non-finite diagonal entry, or an LDLᵀ pivot of the scaled matrix below the threshold (the reciprocal condition
    /// number, roughly: a parameter that is a linear combination of the others to that precision).
    /// </summary>
    public static bool InverseDiagonal(in NormalEquations n, int wanted, double threshold, Span<double> diagonal)
    {
        int k = n.Count;
        Span<double> scale = stackalloc double[5];
        for (int i = 0; i < k; i++)
        {
            double d = n.At(i, i);
            if (!(d > 0) || !double.IsFinite(d)) return false;
            scale[i] = 1.0 / Math.Sqrt(d);
        }

        Span<double> m = stackalloc double[25];
        Span<double> e = stackalloc double[5];
        for (int target = 0; target < wanted; target++)
        {
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++) m[i * 5 + j] = n.At(i, j) * scale[i] * scale[j];
            e.Clear();
            e[target] = 1.0;
            if (!Solve(m, k, e, threshold)) return false;
            diagonal[target] = e[target] * scale[target] * scale[target];
        }

        return true;
    }

    // LDLᵀ without pivoting (the matrices are symmetric positive definite when the fit is identifiable); the pivot
    // threshold is relative to the largest diagonal entry. Overwrites m (row stride 5) and solves in place.
    private static bool Solve(Span<double> m, int k, Span<double> b, double threshold = 0.0)
    {
        double largest = 0;
        for (int i = 0; i < k; i++) largest = Math.Max(largest, Math.Abs(m[i * 5 + i]));
        for (int j = 0; j < k; j++)
        {
            double d = m[j * 5 + j];
            for (int p = 0; p < j; p++) d -= m[j * 5 + p] * m[j * 5 + p] * m[p * 5 + p];
            if (!(d > threshold * largest) || !double.IsFinite(d)) return false;
            m[j * 5 + j] = d;
            for (int i = j + 1; i < k; i++)
            {
                double l = m[i * 5 + j];
                for (int p = 0; p < j; p++) l -= m[i * 5 + p] * m[j * 5 + p] * m[p * 5 + p];
                m[i * 5 + j] = l / d;
            }
        }

        for (int i = 0; i < k; i++)
            for (int p = 0; p < i; p++) b[i] -= m[i * 5 + p] * b[p];
        for (int i = 0; i < k; i++) b[i] /= m[i * 5 + i];
        for (int i = k - 1; i >= 0; i--)
            for (int p = i + 1; p < k; p++) b[i] -= m[p * 5 + i] * b[p];
        for (int i = 0; i < k; i++)
        {
            if (!double.IsFinite(b[i])) return false;
        }

        return true;
    }
}

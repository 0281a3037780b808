using RepAlign.Core;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace RepAlign.Theory;

/// <summary>
/// Classical (Torgerson) multidimensional scaling: the coordinates whose Euclidean geometry best
/// matches a matrix of squared distances. B = −½ J D² J (J the centring matrix); the embedding is
/// the leading eigenvectors of B scaled by the square roots of their eigenvalues.
/// </summary>
public static class ClassicalMds
{
    /// <summary>Embeds n items in <paramref name="dimensions"/> dimensions.</summary>
    /// <param name="squaredDistances">Squared pairwise distances (n × n, symmetric, zero diagonal).</param>
    /// <param name="dimensions">Output dimensions (≤ n).</param>
    /// <returns>n × dimensions coordinates; a dimension with a non-positive eigenvalue is all zeros.</returns>
    public static double[,] Embed(double[,] squaredDistances, int dimensions)
    {
        int n = squaredDistances.GetLength(0);
        FinalDistance.RequireSquare(squaredDistances, n, nameof(squaredDistances));
        if (dimensions < 1 || dimensions > n)
        {
            Throw.Argument(nameof(dimensions), $"dimensions is {dimensions}; expected 1 … {n}.");
        }

        // B is symmetric: real eigenvalues with orthonormal eigenvectors (Math.NET), taken largest first.
        var evd = Matrix<double>.Build.DenseOfArray(DoubleCentre(squaredDistances)).Evd(Symmetricity.Symmetric);
        var order = Enumerable.Range(0, n).OrderByDescending(k => evd.EigenValues[k].Real).ToArray();
        var result = new double[n, dimensions];
        for (int d = 0; d < dimensions; d++)
        {
            int k = order[d];
            double value = evd.EigenValues[k].Real;
            if (value <= 0) break;
            double scale = Math.Sqrt(value);
            for (int i = 0; i < n; i++) result[i, d] = evd.EigenVectors[i, k] * scale;
        }

        return result;
    }

    /// <summary>B = −½ J D² J.</summary>
    private static double[,] DoubleCentre(double[,] d2)
    {
        int n = d2.GetLength(0);
        var rowMean = new double[n];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) rowMean[i] += d2[i, j];
            total += rowMean[i];
            rowMean[i] /= n;
        }

        total /= (double)n * n;
        var b = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) b[i, j] = -0.5 * (d2[i, j] - rowMean[i] - rowMean[j] + total);
        }

        return b;
    }
}

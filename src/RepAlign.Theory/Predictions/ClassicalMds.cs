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
            TheoryThrow.Argument(nameof(dimensions), $"dimensions is {dimensions}; expected 1 … {n}.");
        }

        var b = DoubleCentre(squaredDistances);
        var result = new double[n, dimensions];
        var rng = new Random(12345);
        for (int d = 0; d < dimensions; d++)
        {
            var (value, vector) = LeadingEigenpair(b, rng);
            if (value <= 0) break;
            double scale = Math.Sqrt(value);
            for (int i = 0; i < n; i++) result[i, d] = vector[i] * scale;
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++) b[i, j] -= value * vector[i] * vector[j]; // deflate
            }
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

    /// <summary>The eigenpair of largest eigenvalue of a symmetric positive semi-definite matrix, by power iteration.</summary>
    private static (double Value, double[] Vector) LeadingEigenpair(double[,] a, Random rng)
    {
        int n = a.GetLength(0);
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rng.NextDouble() - 0.5;
        Normalise(v);
        double value = 0;
        var next = new double[n];
        for (int iteration = 0; iteration < 5000; iteration++)
        {
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += a[i, j] * v[j];
                next[i] = sum;
            }

            double norm = Normalise(next);
            double change = 0;
            for (int i = 0; i < n; i++) change = Math.Max(change, Math.Abs(next[i] - v[i]));
            (v, next) = (next, v);
            if (Math.Abs(norm - value) <= 1e-13 * Math.Max(norm, 1e-300) && change < 1e-10) return (norm, v);
            value = norm;
        }

        return (value, v);
    }

    private static double Normalise(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        if (norm > 0)
        {
            for (int i = 0; i < v.Length; i++) v[i] /= norm;
        }

        return norm;
    }
}

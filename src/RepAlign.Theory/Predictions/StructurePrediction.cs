using RepAlign.Core;

namespace RepAlign.Theory;

/// <summary>Pearson r between predicted and measured pairwise structure.</summary>
/// <param name="PearsonAll">r over all n² entries.</param>
/// <param name="PearsonOffBlock">r over the entries whose two items have different labels (same-label blocks removed).</param>
/// <param name="CountAll">Entries in <paramref name="PearsonAll"/>.</param>
/// <param name="CountOffBlock">Entries in <paramref name="PearsonOffBlock"/>.</param>
public readonly record struct StructureComparison(double PearsonAll, double PearsonOffBlock, int CountAll, int CountOffBlock);

/// <summary>
/// The many-point structure prediction of docs/theory.md §3 item 8 (MNIST): A_low = D_x ∘ D_y
/// (elementwise product of the pairwise Euclidean distance matrices of inputs and targets) and
/// P = exp(−A_low) · A_low · exp(−A_low), exp elementwise, · the matrix product.
/// </summary>
public static class StructurePrediction
{
    /// <summary>Pairwise Euclidean distances ‖r_i − r_j‖ of the rows (n × n, zero diagonal).</summary>
    /// <param name="rows">n rows of equal length.</param>
    public static double[,] DistanceMatrix(IReadOnlyList<double[]> rows)
    {
        int n = rows.Count;
        var d = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            var a = rows[i];
            for (int j = i + 1; j < n; j++)
            {
                var b = rows[j];
                if (b.Length != a.Length)
                {
                    Throw.ShapeMismatch(nameof(rows), $"row {j} of length {b.Length}", $"length {a.Length} (row {i})");
                }

                double sum = 0;
                for (int k = 0; k < a.Length; k++) sum += (a[k] - b[k]) * (a[k] - b[k]);
                d[i, j] = d[j, i] = Math.Sqrt(sum);
            }
        }

        return d;
    }

    /// <summary>A_low = D_x ∘ D_y (elementwise).</summary>
    /// <param name="dx">Input distances (n × n).</param>
    /// <param name="dy">Target distances (n × n).</param>
    public static double[,] ALow(double[,] dx, double[,] dy)
    {
        int n = dx.GetLength(0);
        FinalDistance.RequireSquare(dx, n, nameof(dx));
        FinalDistance.RequireSquare(dy, n, nameof(dy));
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) a[i, j] = dx[i, j] * dy[i, j];
        }

        return a;
    }

    /// <summary>P = exp(−A) · A · exp(−A) with exp elementwise and · the matrix product.</summary>
    /// <param name="aLow">A_low (n × n).</param>
    public static double[,] Predict(double[,] aLow)
    {
        int n = aLow.GetLength(0);
        FinalDistance.RequireSquare(aLow, n, nameof(aLow));
        var e = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) e[i, j] = Math.Exp(-aLow[i, j]);
        }

        return Multiply(Multiply(e, aLow), e);
    }

    /// <summary>P from the two distance matrices: <see cref="Predict(double[,])"/> of <see cref="ALow"/>.</summary>
    /// <param name="dx">Input distances (n × n).</param>
    /// <param name="dy">Target distances (n × n).</param>
    public static double[,] Predict(double[,] dx, double[,] dy) => Predict(ALow(dx, dy));

    /// <summary>Pearson r of predicted against measured, on all entries and without the same-label blocks.</summary>
    /// <param name="predicted">Predicted matrix (n × n).</param>
    /// <param name="measured">Measured matrix (n × n), e.g. trial-averaged squared hidden distances.</param>
    /// <param name="labels">Label of each item (length n).</param>
    public static StructureComparison Compare(double[,] predicted, double[,] measured, IReadOnlyList<int> labels)
    {
        int n = predicted.GetLength(0);
        FinalDistance.RequireSquare(predicted, n, nameof(predicted));
        FinalDistance.RequireSquare(measured, n, nameof(measured));
        if (labels.Count != n) Throw.ShapeMismatch(nameof(labels), $"length {labels.Count}", $"length {n}");

        var allP = new double[n * n];
        var allM = new double[n * n];
        var offP = new double[n * n];
        var offM = new double[n * n];
        int off = 0;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                allP[i * n + j] = predicted[i, j];
                allM[i * n + j] = measured[i, j];
                if (labels[i] != labels[j])
                {
                    offP[off] = predicted[i, j];
                    offM[off] = measured[i, j];
                    off++;
                }
            }
        }

        return new StructureComparison(
            Correlation.Pearson(allP, allM),
            Correlation.Pearson(offP.AsSpan(0, off), offM.AsSpan(0, off)),
            n * n,
            off);
    }

    private static double[,] Multiply(double[,] a, double[,] b)
    {
        int n = a.GetLength(0);
        var c = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int k = 0; k < n; k++)
            {
                double aik = a[i, k];
                if (aik == 0) continue;
                for (int j = 0; j < n; j++) c[i, j] += aik * b[k, j];
            }
        }

        return c;
    }
}

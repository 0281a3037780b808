using RepAlign.Core;
using System.Numerics;

namespace RepAlign.Theory;

/// <summary>
/// The MNIST structure prediction as the reference notebook computes it (docs/theory.md §3 item 8): A = D_x ∘ D_y over
/// all N items (D_x the Euclidean distances of integer inputs such as raw pixels 0–255, D_y those of one-hot labels:
/// √2 between different labels, 0 within one), P = exp(−A)·A·exp(−A) with N × N matrices, of which only a block
/// (rows and columns <c>block</c>) is returned. The block is computed without forming any N × N matrix:
/// P[I, J] = (exp(−A)[I, :] · A) · exp(−A)[:, J], and only the rows k of A with exp(−A)[i, k] ≠ 0 for some i ∈ I
/// are needed. Squared pixel distances are summed exactly in 32-bit integers (784 · 255² &lt; 2³¹).
/// </summary>
public static class StructureBlock
{
    /// <summary>The block of P = exp(−A)·A·exp(−A) at rows and columns <paramref name="block"/> (in that order).</summary>
    /// <param name="inputs">N rows of equal length, integer features (e.g. pixels 0–255); every squared distance must fit an int.</param>
    /// <param name="labels">N class labels (D_y = √2 between different labels, 0 within one).</param>
    /// <param name="block">Indices into the N items, e.g. the first 100 sorted by label.</param>
    public static double[,] Predict(IReadOnlyList<int[]> inputs, IReadOnlyList<int> labels, IReadOnlyList<int> block)
    {
        int n = inputs.Count, m = block.Count;
        if (labels.Count != n) Throw.ShapeMismatch(nameof(labels), $"length {labels.Count}", $"length {n} (one label per input row)");
        foreach (var b in block)
            if (b < 0 || b >= n) Throw.ShapeMismatch(nameof(block), $"index {b}", $"an index in [0, {n - 1}]");
        var width = n == 0 ? 0 : inputs[0].Length;
        for (var k = 0; k < n; k++)
            if (inputs[k].Length != width) Throw.ShapeMismatch(nameof(inputs), $"row {k} of length {inputs[k].Length}", $"length {width} (row 0)");

        // exp(−A)[I, :] (m × N).
        var e = new double[m][];
        Parallel.For(0, m, i =>
        {
            var row = new double[n];
            for (var k = 0; k < n; k++) row[k] = Math.Exp(-A(inputs, labels, block[i], k));
            e[i] = row;
        });
        var needed = Enumerable.Range(0, n).Where(k => e.Any(row => row[k] != 0)).ToArray();

        // M = exp(−A)[I, :] · A (m × N), accumulated over the needed rows k of A, in parallel chunks.
        var partials = new List<double[]>();
        var gate = new object();
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, needed.Length), () => new double[m * n], (range, _, acc) =>
        {
            var aRow = new double[n];
            for (var r = range.Item1; r < range.Item2; r++)
            {
                var k = needed[r];
                for (var l = 0; l < n; l++) aRow[l] = A(inputs, labels, k, l);
                for (var i = 0; i < m; i++)
                {
                    var eik = e[i][k];
                    if (eik == 0) continue;
                    var target = acc.AsSpan(i * n, n);
                    for (var l = 0; l < n; l++) target[l] += eik * aRow[l];
                }
            }
            return acc;
        }, acc => { lock (gate) partials.Add(acc); });
        var mRows = new double[m * n];
        foreach (var p in partials)
            for (var x = 0; x < mRows.Length; x++) mRows[x] += p[x];

        // P[I, J] = M · exp(−A)[:, J]; exp(−A) is symmetric, so its column j is row j of exp(−A)[I, :].
        var result = new double[m, m];
        for (var i = 0; i < m; i++)
        {
            var mi = mRows.AsSpan(i * n, n);
            for (var j = 0; j < m; j++)
            {
                var sum = 0.0;
                var ej = e[j];
                for (var l = 0; l < n; l++) sum += mi[l] * ej[l];
                result[i, j] = sum;
            }
        }
        return result;
    }

    /// <summary>A[a, b] = ‖x_a − x_b‖ · ‖onehot(a) − onehot(b)‖.</summary>
    private static double A(IReadOnlyList<int[]> inputs, IReadOnlyList<int> labels, int a, int b) =>
        labels[a] == labels[b] ? 0.0 : Math.Sqrt(SquaredDistance(inputs[a], inputs[b])) * Math.Sqrt(2.0);

    /// <summary>Σ (a_k − b_k)², exact in 32-bit integers.</summary>
    public static long SquaredDistance(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        var sum = Vector<int>.Zero;
        var k = 0;
        for (; k + Vector<int>.Count <= a.Length; k += Vector<int>.Count)
        {
            var d = new Vector<int>(a[k..]) - new Vector<int>(b[k..]);
            sum += d * d;
        }
        long total = Vector.Sum(sum);
        for (; k < a.Length; k++) total += (long)(a[k] - b[k]) * (a[k] - b[k]);
        return total;
    }
}

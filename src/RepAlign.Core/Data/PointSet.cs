using System.Globalization;
using RepAlign.Core.Specs;

namespace RepAlign.Core.Data;

/// <summary>
/// A small data set trained full batch with every tracked pair measured online: the paper's two
/// points, the XOR points or the context blobs. Rows are row-major float32 (Count × InputDim and
/// Count × OutputDim); the squared distances of the tracked pairs are kept in double precision from
/// the generating values, so fits see exactly the dx2 and dy2 the experiment was defined with.
/// </summary>
public sealed class PointSet
{
    /// <summary>Blob centres per side: a 30 × 30 grid over [−1, 1]², 900 blobs.</summary>
    public const int BlobGrid = 30;

    /// <summary>Side of each blob image: 5 × 5 pixels whose centres span [−1, 1]².</summary>
    public const int BlobPixels = 5;

    /// <summary>Every how many centres along each side a blob's pair is tracked (0, 7, …, 28: 5 × 5 = 25 pairs).</summary>
    public const int BlobTrackStep = 7;

    private PointSet(DataKind kind, double[,] x, double[,] y, IReadOnlyList<(int A, int B)> pairs, int[] groups,
        IReadOnlyDictionary<string, double[]> features, double[]? pairDx2 = null, double[]? pairDy2 = null)
    {
        Kind = kind;
        Count = x.GetLength(0);
        InputDim = x.GetLength(1);
        OutputDim = y.GetLength(1);
        X = Flatten(x);
        Y = Flatten(y);
        Pairs = pairs;
        Groups = groups;
        Features = features;
        PairDx2 = pairDx2 ?? pairs.Select(p => SquaredDistance(x, p.A, p.B)).ToArray();
        PairDy2 = pairDy2 ?? pairs.Select(p => SquaredDistance(y, p.A, p.B)).ToArray();
    }

    /// <summary>Which data set this is.</summary>
    public DataKind Kind { get; }

    /// <summary>Number of points.</summary>
    public int Count { get; }

    /// <summary>Input dimension.</summary>
    public int InputDim { get; }

    /// <summary>Output dimension.</summary>
    public int OutputDim { get; }

    /// <summary>Inputs, Count × InputDim, row-major.</summary>
    public float[] X { get; }

    /// <summary>Targets, Count × OutputDim, row-major.</summary>
    public float[] Y { get; }

    /// <summary>The tracked pairs (point indices), pair index = position.</summary>
    public IReadOnlyList<(int A, int B)> Pairs { get; }

    /// <summary>‖x_B − x_A‖² of each tracked pair, from the generating values.</summary>
    public IReadOnlyList<double> PairDx2 { get; }

    /// <summary>‖y_B* − y_A*‖² of each tracked pair, from the generating values.</summary>
    public IReadOnlyList<double> PairDy2 { get; }

    /// <summary>A label per point (XOR: the target; context blobs: the context; two points: 0 and 1).</summary>
    public IReadOnlyList<int> Groups { get; }

    /// <summary>Named per-point values for colouring plots (context blobs: context, mu_x, mu_y).</summary>
    public IReadOnlyDictionary<string, double[]> Features { get; }

    /// <summary>The inputs of one point.</summary>
    public ReadOnlySpan<float> XRow(int row) => X.AsSpan(row * InputDim, InputDim);

    /// <summary>The targets of one point.</summary>
    public ReadOnlySpan<float> YRow(int row) => Y.AsSpan(row * OutputDim, OutputDim);

    /// <summary>The point set a data spec describes; throws <see cref="BadInputException"/> for MNIST or invalid values.</summary>
    public static PointSet Of(DataSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            DataKind.TwoPoint => TwoPoints(spec),
            DataKind.Xor => Xor(),
            DataKind.ContextBlobs => ContextBlobs(),
            _ => Throw.BadInput<PointSet>("data.kind: found mnist, expected two_point, xor or context_blobs for a point-set run"),
        };
    }

    /// <summary>Whether a data kind is a point set (as opposed to MNIST).</summary>
    public static bool IsPointSet(DataKind kind) => kind != DataKind.Mnist;

    /// <summary>The paper's two points (docs/theory.md §3): x = [−1, −1 + √dx2]/√d_in, y = [0.6, 0.6 + √dy2]/√d_out per component.</summary>
    public static PointSet TwoPoints(DataSpec spec)
    {
        if (spec.InputDim < 1) Throw.BadValue("data.input_dim", spec.InputDim.ToString(CultureInfo.InvariantCulture), "an integer ≥ 1");
        if (spec.OutputDim < 1) Throw.BadValue("data.output_dim", spec.OutputDim.ToString(CultureInfo.InvariantCulture), "an integer ≥ 1");
        if (!(spec.Dx2 >= 0) || double.IsInfinity(spec.Dx2)) Throw.BadValue("data.dx2", spec.Dx2.ToString("R", CultureInfo.InvariantCulture), "a finite number ≥ 0");
        if (!(spec.Dy2 >= 0) || double.IsInfinity(spec.Dy2)) Throw.BadValue("data.dy2", spec.Dy2.ToString("R", CultureInfo.InvariantCulture), "a finite number ≥ 0");
        var x = Rows(spec.InputDim, -1.0, -1.0 + Math.Sqrt(spec.Dx2));
        var y = Rows(spec.OutputDim, 0.6, 0.6 + Math.Sqrt(spec.Dy2));
        // The two-point experiment is defined by dx2 and dy2 themselves; keep them exact.
        return new PointSet(DataKind.TwoPoint, x, y, [(0, 1)], [0, 1], new Dictionary<string, double[]>(), [spec.Dx2], [spec.Dy2]);

        static double[,] Rows(int dim, double a, double b)
        {
            var scale = 1.0 / Math.Sqrt(dim);
            var rows = new double[2, dim];
            for (var j = 0; j < dim; j++) (rows[0, j], rows[1, j]) = (a * scale, b * scale);
            return rows;
        }
    }

    /// <summary>XOR: inputs (0,0), (0,1), (1,0), (1,1), targets 0, 1, 1, 0; all six pairs tracked.</summary>
    public static PointSet Xor()
    {
        double[,] x = { { 0, 0 }, { 0, 1 }, { 1, 0 }, { 1, 1 } };
        double[,] y = { { 0 }, { 1 }, { 1 }, { 0 } };
        return new PointSet(DataKind.Xor, x, y, AllPairs(4), [0, 1, 1, 0], new Dictionary<string, double[]>());
    }

    /// <summary>
    /// Context blobs: 900 centres μ on a 30 × 30 grid over [−1, 1]²; each input is a 5 × 5 image of
    /// exp(−‖p − μ‖²/2) over pixel centres p on a 5 × 5 grid over [−1, 1]², normalised to sum 1, followed
    /// by a one-hot context. Context [1, 0] has target μ_x, context [0, 1] target μ_y. Points 0–899 are
    /// context 0 and 900–1799 context 1, blobs in row-major order of (μ_y, μ_x). Tracked pairs: the same
    /// blob in both contexts, for the 25 blobs whose grid indices are multiples of <see cref="BlobTrackStep"/>.
    /// </summary>
    public static PointSet ContextBlobs()
    {
        const int blobs = BlobGrid * BlobGrid, pixels = BlobPixels * BlobPixels;
        var x = new double[2 * blobs, pixels + 2];
        var y = new double[2 * blobs, 1];
        var context = new double[2 * blobs];
        var muX = new double[2 * blobs];
        var muY = new double[2 * blobs];
        for (var c = 0; c < 2; c++)
        {
            for (var b = 0; b < blobs; b++)
            {
                var row = c * blobs + b;
                double mx = Grid(b % BlobGrid, BlobGrid), my = Grid(b / BlobGrid, BlobGrid);
                var sum = 0.0;
                for (var p = 0; p < pixels; p++)
                {
                    double px = Grid(p % BlobPixels, BlobPixels), py = Grid(p / BlobPixels, BlobPixels);
                    var v = Math.Exp(-((px - mx) * (px - mx) + (py - my) * (py - my)) / 2);
                    x[row, p] = v;
                    sum += v;
                }
                for (var p = 0; p < pixels; p++) x[row, p] /= sum;
                x[row, pixels + c] = 1;
                y[row, 0] = c == 0 ? mx : my;
                (context[row], muX[row], muY[row]) = (c, mx, my);
            }
        }
        var pairs = Enumerable.Range(0, blobs)
            .Where(b => b % BlobGrid % BlobTrackStep == 0 && b / BlobGrid % BlobTrackStep == 0)
            .Select(b => (b, blobs + b)).ToArray();
        var groups = Enumerable.Range(0, 2 * blobs).Select(i => i / blobs).ToArray();
        var features = new Dictionary<string, double[]> { ["context"] = context, ["mu_x"] = muX, ["mu_y"] = muY };
        return new PointSet(DataKind.ContextBlobs, x, y, pairs, groups, features);

        static double Grid(int i, int n) => -1.0 + 2.0 * i / (n - 1);
    }

    /// <summary>Every pair (a, b) with a &lt; b of n points, in lexicographic order.</summary>
    public static (int A, int B)[] AllPairs(int n) =>
        Enumerable.Range(0, n).SelectMany(a => Enumerable.Range(a + 1, n - a - 1).Select(b => (a, b))).ToArray();

    private static double SquaredDistance(double[,] rows, int a, int b)
    {
        var sum = 0.0;
        for (var j = 0; j < rows.GetLength(1); j++)
        {
            var d = rows[b, j] - rows[a, j];
            sum += d * d;
        }
        return sum;
    }

    private static float[] Flatten(double[,] rows)
    {
        var result = new float[rows.Length];
        var i = 0;
        foreach (var v in rows) result[i++] = (float)v;
        return result;
    }
}

using RepAlign.Core.Data;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;

namespace RepAlign.Inference;

/// <summary>One extracted record: pair <paramref name="Pair"/> = (a, b) at one layer of one checkpoint.</summary>
/// <param name="Epoch">Checkpoint epoch.</param>
/// <param name="Layer">Hidden layer index.</param>
/// <param name="Pair">Pair index.</param>
/// <param name="A">Row of point a.</param>
/// <param name="B">Row of point b.</param>
/// <param name="H2">‖h_b − h_a‖².</param>
/// <param name="Y2">‖ŷ_b − ŷ_a‖².</param>
/// <param name="W">y2 − (y_b* − y_a*)·(ŷ_b − ŷ_a).</param>
public readonly record struct PairRow(int Epoch, int Layer, int Pair, int A, int B, double H2, double Y2, double W);

/// <summary>Extracts h2, y2, w of the two points from ONNX checkpoints (one session run per checkpoint).</summary>
public static class TwoPointExtractor
{
    /// <summary>The ONNX output name of hidden layer k (the exporter's contract).</summary>
    public static string HiddenName(int layer) => "hidden_" + layer.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs every checkpoint on the two points of <paramref name="data"/> and returns rows in checkpoint then layer order.</summary>
    public static IReadOnlyList<PairRow> Extract(
        IEnumerable<(int Epoch, string Path)> checkpoints, DataSpec data, IReadOnlyList<int> layers, InferenceOptions options,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var points = new TwoPointData(data);
        var outputs = layers.Select(HiddenName).Append("output").ToArray();
        var rows = new List<PairRow>();
        foreach (var (epoch, path) in checkpoints)
        {
            ct.ThrowIfCancellationRequested();
            using var runner = new OnnxModelRunner(path, options);
            var result = runner.Run(points.X, 2, outputs);
            var prediction = result[^1];
            for (var i = 0; i < layers.Count; i++)
            {
                var m = PairMetrics.Compute(result[i].Row(TwoPointData.A), result[i].Row(TwoPointData.B),
                    prediction.Row(TwoPointData.A), prediction.Row(TwoPointData.B),
                    points.YRow(TwoPointData.A), points.YRow(TwoPointData.B));
                rows.Add(new PairRow(epoch, layers[i], 0, TwoPointData.A, TwoPointData.B, m.H2, m.Y2, m.W));
            }
        }
        return rows;
    }
}

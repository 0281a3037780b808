using RepAlign.Core.Data;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;

namespace RepAlign.Inference;

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
                rows.Add(new PairRow
                {
                    Epoch = epoch, Layer = layers[i], Pair = 0, A = TwoPointData.A, B = TwoPointData.B, LabelA = -1, LabelB = -1,
                    Dx2 = data.Dx2, Dy2 = data.Dy2, H2 = m.H2, Y2 = m.Y2, W = m.W,
                });
            }
        }
        return rows;
    }
}

using RepAlign.Core.Data;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Inference;

/// <summary>Extracts h2, y2, w of a point set's tracked pairs from ONNX checkpoints (one session run per checkpoint).</summary>
public static class PointSetExtractor
{
    /// <summary>Runs every checkpoint on the points of <paramref name="data"/> and returns rows in checkpoint, pair, then layer order.</summary>
    public static IReadOnlyList<PairRow> Extract(
        IEnumerable<(int Epoch, string Path)> checkpoints, DataSpec data, IReadOnlyList<int> layers, InferenceOptions options,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var points = PointSet.Of(data);
        var outputs = layers.Select(OnnxNames.Hidden).Append(OnnxNames.Output).ToArray();
        var rows = new List<PairRow>();
        foreach (var (epoch, path) in checkpoints)
        {
            ct.ThrowIfCancellationRequested();
            using var runner = new OnnxModelRunner(path, options);
            var result = runner.Run(points.X, points.Count, outputs);
            var prediction = result[^1];
            for (var p = 0; p < points.Pairs.Count; p++)
            {
                var (a, b) = points.Pairs[p];
                for (var i = 0; i < layers.Count; i++)
                {
                    var m = PairMetrics.Compute(result[i].Row(a), result[i].Row(b), prediction.Row(a), prediction.Row(b),
                        points.YRow(a), points.YRow(b));
                    rows.Add(new PairRow
                    {
                        Epoch = epoch, Layer = layers[i], Pair = p, A = a, B = b,
                        LabelA = points.Groups[a], LabelB = points.Groups[b],
                        Dx2 = points.PairDx2[p], Dy2 = points.PairDy2[p], H2 = m.H2, Y2 = m.Y2, W = m.W,
                    });
                }
            }
        }
        return rows;
    }
}

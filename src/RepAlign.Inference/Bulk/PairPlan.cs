using RepAlign.Core.Metrics;
using RepAlign.Core.Tables;

namespace RepAlign.Inference.Bulk;

/// <summary>The distinct images of a request's pairs and each pair's positions among them (the bulk extractor's buffer layout).</summary>
internal sealed class PairPlan
{
    private readonly BulkExtractRequest request;

    public PairPlan(BulkExtractRequest request)
    {
        this.request = request;
        var position = new Dictionary<int, int>();
        foreach (var (a, b) in request.Pairs)
        {
            position.TryAdd(a, 0);
            position.TryAdd(b, 0);
        }
        Images = position.Keys.Order().ToArray();
        for (var i = 0; i < Images.Length; i++) position[Images[i]] = i;
        PositionA = request.Pairs.Select(p => position[p.A]).ToArray();
        PositionB = request.Pairs.Select(p => position[p.B]).ToArray();
        ImageLabels = Images.Select(i => request.Labels[i]).ToArray();
    }

    /// <summary>Distinct data indices, ascending (buffer row r = image Images[r]).</summary>
    public int[] Images { get; }

    /// <summary>Buffer row of each pair's a.</summary>
    public int[] PositionA { get; }

    /// <summary>Buffer row of each pair's b.</summary>
    public int[] PositionB { get; }

    /// <summary>Labels of <see cref="Images"/>.</summary>
    public int[] ImageLabels { get; }

    /// <summary>One row per (layer, pair), layer-major, with everything but epoch and the metrics filled in.</summary>
    public PairRow[] CreateRows(IReadOnlyList<int> layers)
    {
        var pairs = request.Pairs;
        var dx2 = new double[pairs.Length];
        var dy2 = new double[pairs.Length];
        for (var p = 0; p < pairs.Length; p++)
        {
            var (a, b) = pairs[p];
            dx2[p] = PairMetrics.SquaredDistance(Row(request.Images, a, request.InputWidth), Row(request.Images, b, request.InputWidth));
            dy2[p] = PairMetrics.SquaredDistance(Row(request.Targets, a, request.TargetWidth), Row(request.Targets, b, request.TargetWidth));
        }
        var rows = new PairRow[layers.Count * pairs.Length];
        for (var l = 0; l < layers.Count; l++)
            for (var p = 0; p < pairs.Length; p++)
            {
                var (a, b) = pairs[p];
                rows[l * pairs.Length + p] = new PairRow
                {
                    Layer = layers[l], Pair = p, A = a, B = b, LabelA = request.Labels[a], LabelB = request.Labels[b], Dx2 = dx2[p], Dy2 = dy2[p],
                };
            }
        return rows;
    }

    private static ReadOnlySpan<float> Row(float[] data, int index, int width) => data.AsSpan(index * width, width);
}

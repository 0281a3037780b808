using RepAlign.Core.Metrics;
using RepAlign.Training.Models;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>
/// Online pair tracking: from one forward pass over the distinct rows the tracked pairs use, pulls the
/// tracked hidden layers and the prediction to the CPU in one copy and computes h2, y2, w of every
/// (pair, layer) with <see cref="PairMetrics"/> — the same code ONNX extraction uses.
/// </summary>
internal sealed class PairProbe
{
    private readonly (int RowA, int RowB)[] pairRows;
    private readonly float[] targets;
    private readonly int outputDim;

    /// <summary>
    /// Tracks <paramref name="pairs"/> (indices into the data set) at <paramref name="layers"/>;
    /// <paramref name="allTargets"/> are the data set's targets, N × <paramref name="outputDim"/> row-major.
    /// The first <paramref name="leadingRows"/> rows are 0, 1, … in order, so a forward pass of a whole
    /// small data set can be measured directly.
    /// </summary>
    public PairProbe(IReadOnlyList<(int A, int B)> pairs, IReadOnlyList<int> layers, ReadOnlySpan<float> allTargets, int outputDim, int leadingRows = 0)
    {
        var rows = new List<long>();
        var position = new Dictionary<int, int>();
        for (var i = 0; i < leadingRows; i++)
        {
            position.Add(i, i);
            rows.Add(i);
        }
        int RowOf(int index)
        {
            if (!position.TryGetValue(index, out var at))
            {
                at = rows.Count;
                position.Add(index, at);
                rows.Add(index);
            }
            return at;
        }
        pairRows = pairs.Select(p => (RowOf(p.A), RowOf(p.B))).ToArray();
        Rows = rows.ToArray();
        Layers = layers.ToArray();
        this.outputDim = outputDim;
        targets = new float[Rows.Length * outputDim];
        for (var r = 0; r < Rows.Length; r++) allTargets.Slice((int)Rows[r] * outputDim, outputDim).CopyTo(targets.AsSpan(r * outputDim));
    }

    /// <summary>The data-set rows to forward, each once, in first-use order.</summary>
    public long[] Rows { get; }

    /// <summary>The tracked hidden layers.</summary>
    public int[] Layers { get; }

    /// <summary>Number of tracked pairs.</summary>
    public int PairCount => pairRows.Length;

    /// <summary>
    /// Computes the metrics of a pass over <see cref="Rows"/> (in that order): <paramref name="metrics"/>
    /// receives pair-major, then layer-order values (PairCount × Layers.Length); <paramref name="predictions"/>
    /// receives the predictions of the rows (Rows.Length × d_out).
    /// </summary>
    public void Measure(ForwardPass pass, Span<PairMetrics> metrics, Span<float> predictions)
    {
        var parts = Layers.Select(l => pass.Hidden[l]).Append(pass.Output).Select(t => t.detach()).ToArray();
        using var joined = cat(parts, 1); // (R, Σ P_l + d_out)
        var values = joined.data<float>().ToArray();
        var rowLength = values.Length / Rows.Length;
        var outStart = rowLength - outputDim;
        for (var r = 0; r < Rows.Length; r++) values.AsSpan(r * rowLength + outStart, outputDim).CopyTo(predictions[(r * outputDim)..]);
        var i = 0;
        foreach (var (rowA, rowB) in pairRows)
        {
            var a = values.AsSpan(rowA * rowLength, rowLength);
            var b = values.AsSpan(rowB * rowLength, rowLength);
            var offset = 0;
            foreach (var layer in Layers)
            {
                var width = (int)pass.Hidden[layer].size(1);
                metrics[i++] = PairMetrics.Compute(a.Slice(offset, width), b.Slice(offset, width), a[outStart..], b[outStart..],
                    targets.AsSpan(rowA * outputDim, outputDim), targets.AsSpan(rowB * outputDim, outputDim));
                offset += width;
            }
        }
    }
}

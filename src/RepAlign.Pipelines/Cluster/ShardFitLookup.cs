using RepAlign.Core;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Pipelines.Cluster;

/// <summary>
/// The rows of the fit shards, read forward one row group at a time, in the order the merged extract/pairs streams its
/// trajectories (shards in order, each in (pair, layer) order): the "fit this chunk" function of <see cref="MergedFitStage"/>.
/// </summary>
/// <param name="shards">The fit shards' folders, in shard order.</param>
public sealed class ShardFitLookup(IReadOnlyList<RunLayout> shards) : IDisposable
{
    private readonly IEnumerator<FitRow> fits = shards.SelectMany(s => ShardTables.RowGroups<FitRow>(s.Fits)).SelectMany(g => g).GetEnumerator();
    private readonly IEnumerator<CurveRow> curves = shards.SelectMany(s => ShardTables.RowGroups<CurveRow>(s.Curves)).SelectMany(g => g).GetEnumerator();
    private CurveRow? pending;
    private bool started;

    /// <summary>A chunk's fit rows and the curves of the inputs <paramref name="keepCurves"/> selects, taken from the shards (see <see cref="StreamingFit.ChunkFit"/>).</summary>
    public (FitRow[] Fits, CurveRow[] Curves) Chunk(IReadOnlyList<TrajectoryInput> chunk, Func<TrajectoryInput, bool> keepCurves,
        IProgress<long> progress, CancellationToken cancellation)
    {
        if (!started)
        {
            started = true;
            pending = curves.MoveNext() ? curves.Current : null;
        }
        var rows = new FitRow[chunk.Count];
        var kept = new List<CurveRow>();
        for (var i = 0; i < chunk.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var input = chunk[i];
            if (!fits.MoveNext())
                Throw.WorkFailed($"fit shards: no fit row for pair {input.Pair}, layer {input.Layer} of extract/pairs; resubmit the run");
            var fit = fits.Current;
            if (fit.Pair != input.Pair || fit.Layer != input.Layer)
                Throw.WorkFailed($"fit shards: found the fit of pair {fit.Pair}, layer {fit.Layer} where extract/pairs has pair {input.Pair}, layer {input.Layer}; resubmit the run");
            rows[i] = fit;
            var keep = keepCurves(input);
            while (pending is { } c && c.Pair == input.Pair && c.Layer == input.Layer)
            {
                if (keep) kept.Add(c);
                pending = curves.MoveNext() ? curves.Current : null;
            }
            progress.Report(i + 1);
        }
        return (rows, kept.ToArray());
    }

    /// <summary>Fails when the shards hold fit or curve rows the merged extract/pairs did not ask for.</summary>
    public void RequireExhausted()
    {
        if (fits.MoveNext())
            Throw.WorkFailed($"fit shards: fit row of pair {fits.Current.Pair}, layer {fits.Current.Layer} is not in extract/pairs; resubmit the run");
        if (started && pending is { } c)
            Throw.WorkFailed($"fit shards: curve row of pair {c.Pair}, layer {c.Layer} is not in extract/pairs; resubmit the run");
    }

    /// <summary>Closes the shard tables.</summary>
    public void Dispose()
    {
        fits.Dispose();
        curves.Dispose();
    }
}

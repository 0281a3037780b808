using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;
using RepAlign.Theory;

namespace RepAlign.Pipelines.Fitting;

/// <summary>Counts of a streamed bulk fit and its first rows (for a stage's summary line).</summary>
/// <param name="Fits">(pair, layer) fits written.</param>
/// <param name="CurveRows">Curve rows written.</param>
/// <param name="First">The first few fit rows.</param>
public sealed record StreamingFitSummary(long Fits, long CurveRows, IReadOnlyList<FitRow> First);

/// <summary>
/// The bulk fit without a table of all pairs in memory: trajectories arrive in batches (one or more row groups of
/// extract/pairs), each chunk is fitted on every core and its fit and curve rows are appended to the output tables
/// before the next chunk is read. Memory is one chunk of trajectories and its results, whatever the number of pairs.
/// </summary>
public static class StreamingFit
{
    /// <summary>
    /// Produces the fit rows (one per input, in input order) and the curves of the inputs <paramref name="keepCurves"/> selects
    /// (grouped per input, in input order) of one chunk; the default fits them (<see cref="BulkFit.Run"/> on every core).
    /// </summary>
    public delegate (FitRow[] Fits, CurveRow[] Curves) ChunkFit(IReadOnlyList<TrajectoryInput> chunk, Func<TrajectoryInput, bool> keepCurves,
        IProgress<long> progress, CancellationToken cancellation);

    /// <summary>Fits gathered per parallel chunk: large enough that one slow fit does not leave the other cores idle for long.</summary>
    public const int ChunkFits = 4096;

    /// <summary>
    /// The trajectories of an extract/pairs table in batches of whole pairs, one row group at a time when the table is
    /// grouped by pair (<see cref="PairTableByPair"/>); an older table ordered by checkpoint is read whole.
    /// </summary>
    /// <param name="pairsParquet">extract/pairs.parquet.</param>
    /// <param name="time">The time axis of the trajectories (epoch, or step where the table has steps).</param>
    /// <param name="trajectories">Number of (pair, layer) trajectories, estimated from the footer (rows / epochs of the first trajectory).</param>
    public static IEnumerable<IReadOnlyList<TrajectoryInput>> PairBatches(string pairsParquet, TimeAxis time, out long trajectories)
    {
        var info = ParquetGroups.Describe(pairsParquet);
        if (!info.Metadata.TryGetValue(PairTableByPair.OrderKey, out var order) || order != PairTableByPair.OrderByPair)
        {
            var all = BulkFit.FromPairs(TableFile.Read<PairRow>(pairsParquet), time);
            trajectories = all.Count;
            return [all];
        }

        var first = ParquetGroups.Read<PairRow>(pairsParquet).FirstOrDefault() ?? [];
        var epochs = first.Count == 0 ? 1 : first.Count(r => r.Pair == first[0].Pair && r.Layer == first[0].Layer);
        trajectories = info.Rows / Math.Max(1, epochs);
        return Grouped(pairsParquet, time);
    }

    private static IEnumerable<IReadOnlyList<TrajectoryInput>> Grouped(string pairsParquet, TimeAxis time)
    {
        var carry = new List<PairRow>();
        foreach (var group in ParquetGroups.Read<PairRow>(pairsParquet))
        {
            if (group.Count == 0) continue;
            // The last pair of a group may continue in the next one (tables merged from shards): hold it back.
            var last = group.Max(r => r.Pair);
            var ready = carry.Where(r => r.Pair < last).Concat(group.Where(r => r.Pair < last)).ToArray();
            carry = carry.Where(r => r.Pair >= last).Concat(group.Where(r => r.Pair >= last)).ToList();
            if (ready.Length > 0) yield return BulkFit.FromPairs(ready, time);
        }
        if (carry.Count > 0) yield return BulkFit.FromPairs(carry, time);
    }

    /// <summary>
    /// Fits every batch's trajectories (gathered into chunks of about <see cref="ChunkFits"/>) on every core and appends
    /// the fit rows and the selected curves to the open tables; the caller completes them.
    /// </summary>
    /// <param name="batches">Trajectories, whole pairs per batch, pairs in ascending order for <see cref="CurveSelection.Report"/>.</param>
    /// <param name="options">Fit options.</param>
    /// <param name="curves">Which curves to keep.</param>
    /// <param name="fits">Receives one row per trajectory, in input order.</param>
    /// <param name="curvesTable">Receives the selected curves.</param>
    /// <param name="progress">Fits done so far.</param>
    /// <param name="cancellation">Stops between fits.</param>
    /// <param name="fitChunk">Produces a chunk's rows; null = fit them with <paramref name="options"/> (a merge looks them up instead).</param>
    public static StreamingFitSummary Run(IEnumerable<IReadOnlyList<TrajectoryInput>> batches, FitOptions options, CurveSelection curves,
        ParquetStream<FitRow> fits, ParquetStream<CurveRow> curvesTable, IProgress<long>? progress = null, CancellationToken cancellation = default,
        ChunkFit? fitChunk = null)
    {
        fitChunk ??= (chunk, keepCurves, chunkProgress, token) => BulkFit.Run(chunk, options, chunkProgress, token, keepCurves);
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(fits);
        ArgumentNullException.ThrowIfNull(curvesTable);
        var seenClassPairs = new HashSet<(int, int)>();
        var keptPairs = new HashSet<int>();
        var first = new List<FitRow>();
        long fitCount = 0, curveRows = 0;
        var chunk = new List<TrajectoryInput>();
        var offset = new Progress(progress);

        foreach (var batch in batches)
        {
            chunk.AddRange(batch);
            if (chunk.Count >= ChunkFits) Flush();
        }
        Flush();
        return new StreamingFitSummary(fitCount, curveRows, first);

        void Flush()
        {
            if (chunk.Count == 0) return;
            // Decided in input order before the parallel fits, so the kept pairs do not depend on scheduling.
            var keep = new HashSet<int>();
            foreach (var input in chunk)
            {
                var classPair = (Math.Min(input.LabelA, input.LabelB), Math.Max(input.LabelA, input.LabelB));
                if (curves == CurveSelection.All || (curves == CurveSelection.Report && (keptPairs.Contains(input.Pair) || seenClassPairs.Add(classPair))))
                {
                    keptPairs.Add(input.Pair);
                    keep.Add(input.Pair);
                }
            }

            var (rows, curveRowsOfChunk) = fitChunk(chunk, input => keep.Contains(input.Pair), offset, cancellation);
            fits.AppendRowGroup(rows);
            curvesTable.AppendRowGroup(curveRowsOfChunk);
            foreach (var row in rows.Take(Math.Max(0, 3 - first.Count))) first.Add(row);
            fitCount += rows.Length;
            curveRows += curveRowsOfChunk.Length;
            offset.Done = fitCount;
            chunk.Clear();
        }
    }

    /// <summary>Adds the fits of earlier chunks to a chunk's progress count.</summary>
    private sealed class Progress(IProgress<long>? inner) : IProgress<long>
    {
        public long Done { get; set; }

        public void Report(long value) => inner?.Report(Done + value);
    }
}

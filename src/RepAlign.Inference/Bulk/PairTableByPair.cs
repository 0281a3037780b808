using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// Writes extract/pairs so that one pair's trajectories sit together: row groups hold whole pairs, rows ordered
/// (pair, layer, epoch), so the fit stage can read the table one row group at a time and fit as it goes.
/// Checkpoints arrive one at a time with every (layer, pair) row; their h2, y2 and w are spilled to a temporary
/// binary file beside the table (in (pair, layer) order), and <see cref="Complete"/> transposes blocks of pairs into
/// row groups. Memory is one checkpoint's values plus one row group, whatever the number of pairs or checkpoints.
/// </summary>
public sealed class PairTableByPair : IDisposable
{
    /// <summary>Footer metadata key recording the row order; its value is <see cref="OrderByPair"/> for tables written here.</summary>
    public const string OrderKey = "repalign.pairs.order";

    /// <summary>The value of <see cref="OrderKey"/>: row groups hold whole pairs, ordered (pair, layer, epoch).</summary>
    public const string OrderByPair = "pair";

    private const int ValuesPerRow = 3; // h2, y2, w
    private readonly ParquetStream<PairRow> table;
    private readonly string spillPath;
    private readonly FileStream spill;
    private readonly int rowsPerGroup;
    private readonly List<int> epochs = [];
    private readonly List<long> steps = [];
    private PairRow[] template = [];
    private int[] order = []; // position in (pair, layer) order → index in the caller's row order
    private double[] buffer = [];
    private bool disposed;

    private PairTableByPair(string parquetPath, bool csv, IReadOnlyDictionary<string, string>? metadata, int rowsPerGroup)
    {
        var withOrder = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
        withOrder[OrderKey] = OrderByPair;
        table = ParquetStream<PairRow>.Create(parquetPath, csv, withOrder);
        spillPath = AtomicFile.TemporaryPath(Path.GetFullPath(parquetPath)) + ".spill";
        spill = new FileStream(spillPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose);
        this.rowsPerGroup = Math.Max(1, rowsPerGroup);
    }

    /// <summary>Opens the table (see <see cref="ParquetStream{T}.Create"/> for the file handling).</summary>
    /// <param name="parquetPath">Final path of the Parquet file.</param>
    /// <param name="csv">Whether a CSV is written beside it at completion.</param>
    /// <param name="metadata">Footer metadata (provenance); <see cref="OrderKey"/> is added.</param>
    /// <param name="rowsPerGroup">Target rows per row group (whole pairs; at least one pair per group).</param>
    public static PairTableByPair Create(string parquetPath, bool csv = false, IReadOnlyDictionary<string, string>? metadata = null, int rowsPerGroup = 1 << 16) =>
        new(parquetPath, csv, metadata, rowsPerGroup);

    /// <summary>Rows written to the table so far (all of them after <see cref="Complete"/>).</summary>
    public long RowCount => table.RowCount;

    /// <summary>
    /// Adds one checkpoint: every (layer, pair) row, in the same order at every checkpoint, all with the same epoch.
    /// The rows are read during the call only.
    /// </summary>
    /// <param name="rows">The checkpoint's rows.</param>
    public void AppendCheckpoint(ReadOnlySpan<PairRow> rows)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (rows.IsEmpty) return;
        if (epochs.Count == 0)
        {
            template = new PairRow[rows.Length];
            for (var i = 0; i < rows.Length; i++) template[i] = Copy(rows[i]);
            order = Enumerable.Range(0, rows.Length).OrderBy(i => template[i].Pair).ThenBy(i => template[i].Layer).ToArray();
            buffer = new double[rows.Length * ValuesPerRow];
        }
        else if (rows.Length != template.Length)
        {
            Throw.Argument(nameof(rows), $"checkpoint at epoch {rows[0].Epoch} has {rows.Length} rows, the first had {template.Length}");
        }

        for (var k = 0; k < order.Length; k++)
        {
            var row = rows[order[k]];
            buffer[ValuesPerRow * k] = row.H2;
            buffer[ValuesPerRow * k + 1] = row.Y2;
            buffer[ValuesPerRow * k + 2] = row.W;
        }
        spill.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.AsSpan()));
        epochs.Add(rows[0].Epoch);
        steps.Add(rows[0].Step);
    }

    /// <summary>Transposes the spilled checkpoints into row groups of whole pairs, finishes the file and renames it.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        spill.Flush();
        var checkpoints = epochs.Count;
        var entries = order.Length;
        var recordBytes = (long)entries * ValuesPerRow * sizeof(double);
        var start = 0;
        while (start < entries)
        {
            // Whole pairs up to the target size (at least one pair).
            var end = start;
            while (end < entries)
            {
                var pair = template[order[end]].Pair;
                var next = end;
                while (next < entries && template[order[next]].Pair == pair) next++;
                if (end > start && (long)(next - start) * checkpoints > rowsPerGroup) break;
                end = next;
            }

            var count = end - start;
            var slice = new double[count * ValuesPerRow];
            var rows = new PairRow[count * checkpoints];
            for (var c = 0; c < checkpoints; c++)
            {
                spill.Position = c * recordBytes + (long)start * ValuesPerRow * sizeof(double);
                spill.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(slice.AsSpan()));
                for (var k = 0; k < count; k++)
                {
                    var row = Copy(template[order[start + k]]);
                    row.Epoch = epochs[c];
                    row.Step = steps[c];
                    row.H2 = slice[ValuesPerRow * k];
                    row.Y2 = slice[ValuesPerRow * k + 1];
                    row.W = slice[ValuesPerRow * k + 2];
                    rows[k * checkpoints + c] = row; // (pair, layer) major, epoch minor
                }
            }
            table.AppendRowGroup(rows);
            start = end;
        }
        table.Complete();
    }

    /// <summary>Deletes the spill file; without <see cref="Complete"/> nothing is written.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        spill.Dispose();
        table.Dispose();
    }

    private static PairRow Copy(PairRow r) => new()
    {
        Epoch = r.Epoch, Step = r.Step, Layer = r.Layer, Pair = r.Pair, A = r.A, B = r.B, LabelA = r.LabelA, LabelB = r.LabelB,
        Dx2 = r.Dx2, Dy2 = r.Dy2, H2 = r.H2, Y2 = r.Y2, W = r.W,
    };
}

using Parquet;
using RepAlign.Core.Tables;

namespace RepAlign.Tests.Inference.Bulk;

public class ParquetStreamTests
{
    internal static PairRow[] Rows(int epoch, int count) => Enumerable.Range(0, count).Select(p => new PairRow
    {
        Epoch = epoch, Layer = p % 3, Pair = p, A = p, B = p + 1, LabelA = p % 10, LabelB = -1,
        Dx2 = p * 0.5, Dy2 = 2, H2 = Math.PI * p, Y2 = 1.0 / (p + 1), W = -p,
    }).ToArray();

    [Fact]
    public void Row_groups_read_back_as_one_table_with_csv_identical_to_table_file()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("t/pairs.parquet");
        var all = new List<PairRow>();
        using (var stream = ParquetStream<PairRow>.Create(path, csv: true))
        {
            for (var epoch = 0; epoch < 3; epoch++)
            {
                var rows = Rows(epoch, 100 + epoch);
                stream.AppendRowGroup(rows);
                all.AddRange(rows);
            }
            Assert.False(File.Exists(path));
            stream.Complete();
            Assert.Equal(303, stream.RowCount);
            Assert.Equal(3, stream.RowGroupCount);
        }
        var read = TableFile.Read<PairRow>(path);
        Assert.Equal(all.Select(r => (r.Epoch, r.Pair, r.H2, r.W)), read.Select(r => (r.Epoch, r.Pair, r.H2, r.W)));

        TableFile.Write(all, dir.File("whole/pairs.parquet"), csv: true);
        Assert.Equal(File.ReadAllText(dir.File("whole/pairs.csv")), File.ReadAllText(dir.File("t/pairs.csv")));
        Assert.Equal(304, File.ReadAllLines(dir.File("t/pairs.csv")).Length);
        Assert.Single(Directory.GetFiles(dir.File("t"), "*.parquet"));
    }

    [Fact]
    public void String_columns_round_trip()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("fits.parquet");
        using (var stream = ParquetStream<FitRow>.Create(path))
        {
            stream.AppendRowGroup(new[] { new FitRow { Pair = 1, Regime = "rich", Status = "converged", Message = "a, \"quoted\" message" } });
            stream.AppendRowGroup(new[] { new FitRow { Pair = 2, Regime = "lazy", EtaH = double.NaN } });
            stream.Complete();
        }
        var read = TableFile.Read<FitRow>(path);
        Assert.Equal(new[] { (1, "rich", "converged"), (2, "lazy", "") }, read.Select(r => (r.Pair, r.Regime, r.Status)));
        Assert.True(double.IsNaN(read[1].EtaH));
    }

    [Fact]
    public void Disposing_without_completing_leaves_nothing()
    {
        using var dir = new ScratchFolder();
        using (var stream = ParquetStream<PairRow>.Create(dir.File("pairs.parquet"), csv: true)) stream.AppendRowGroup(Rows(0, 10));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }
}

/// <summary>
/// What a stream retains, read from the process's whole heap: in a collection of its own that runs after the parallel
/// tests and alone, so that no other test's allocations are counted (in parallel they were: 61 MB in one run).
/// </summary>
[Collection(ProcessHeap.Name)]
public class ParquetStreamMemoryTests
{
    [Fact]
    public async Task Retained_memory_stays_flat_as_row_groups_are_appended()
    {
        using var dir = new ScratchFolder();
        var rows = ParquetStreamTests.Rows(0, 10_000);
        using var stream = ParquetStream<PairRow>.Create(dir.File("pairs.parquet"));
        long Retained()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return GC.GetTotalMemory(true);
        }
        for (var g = 0; g < 5; g++) stream.AppendRowGroup(rows);
        var after5 = Retained();
        for (var g = 0; g < 40; g++) stream.AppendRowGroup(rows);
        var after45 = Retained();
        stream.Complete();
        // 40 more groups of 10,000 rows (≈ 38 MB of values) must not be held: allow 8 MB of pool noise.
        Assert.True(after45 - after5 < 8 << 20, $"retained {after5 >> 20} MB after 5 groups, {after45 >> 20} MB after 45");
        await using var reader = await ParquetReader.CreateAsync(dir.File("pairs.parquet"));
        Assert.Equal(45, reader.RowGroupCount);
    }
}

/// <summary>Tests that read process-wide GC figures: run after the parallel tests, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessHeap
{
    /// <summary>The collection's name.</summary>
    public const string Name = "process heap";
}

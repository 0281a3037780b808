using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;

namespace RepAlign.Tests.Inference.Bulk;

/// <summary>extract/pairs grouped by pair: every row arrives once, row groups hold whole pairs in (pair, layer, epoch) order.</summary>
public class PairTableByPairTests
{
    private const int Layers = 3, Pairs = 11, Checkpoints = 7;

    /// <summary>One checkpoint's rows in the extractor's order (layer-major), with seeded values.</summary>
    private static PairRow[] Checkpoint(int epoch, Random random) =>
        Enumerable.Range(0, Layers * Pairs).Select(i => new PairRow
        {
            Epoch = epoch, Layer = i / Pairs, Pair = i % Pairs, A = 2 * (i % Pairs), B = 2 * (i % Pairs) + 1,
            LabelA = i % Pairs % 10, LabelB = (i % Pairs + 3) % 10, Dx2 = 1 + i % Pairs, Dy2 = 2,
            H2 = random.NextDouble(), Y2 = random.NextDouble(), W = random.NextDouble() - 0.5,
        }).ToArray();

    [Theory]
    [InlineData(1)]     // one pair per group (the target is below one pair's rows)
    [InlineData(50)]    // two pairs per group
    [InlineData(100000)] // everything in one group
    public void EveryRowIsWrittenOnceAndRowGroupsHoldWholePairs(int rowsPerGroup)
    {
        using var dir = new ScratchFolder();
        var path = dir.File("extract/pairs.parquet");
        var random = new Random(17);
        var expected = new List<PairRow>();
        using (var table = PairTableByPair.Create(path, csv: true, new Dictionary<string, string> { ["repalign.pairs"] = "test" }, rowsPerGroup))
        {
            for (var c = 0; c < Checkpoints; c++)
            {
                var rows = Checkpoint(10 * c, random);
                expected.AddRange(rows.Select(r => new PairRow
                {
                    Epoch = r.Epoch, Layer = r.Layer, Pair = r.Pair, A = r.A, B = r.B, LabelA = r.LabelA, LabelB = r.LabelB,
                    Dx2 = r.Dx2, Dy2 = r.Dy2, H2 = r.H2, Y2 = r.Y2, W = r.W,
                }));
                table.AppendCheckpoint(rows);
                foreach (var r in rows) r.H2 = double.NaN; // the caller reuses its rows: the table must have copied them
            }
            Assert.False(File.Exists(path));
            table.Complete();
            Assert.Equal(Layers * Pairs * Checkpoints, table.RowCount);
        }

        var info = ParquetGroups.Describe(path);
        Assert.Equal(PairTableByPair.OrderByPair, info.Metadata[PairTableByPair.OrderKey]);
        Assert.Equal("test", info.Metadata["repalign.pairs"]);
        var groups = ParquetGroups.Read<PairRow>(path).ToArray();
        Assert.Equal(info.RowGroups, groups.Length);
        Assert.Equal(rowsPerGroup == 1 ? Pairs : rowsPerGroup == 50 ? (Pairs + 1) / 2 : 1, groups.Length);
        var seenPairs = new HashSet<int>();
        foreach (var group in groups)
        {
            // Whole pairs: every pair of a group has all its layers × checkpoints there, and appears in no other group.
            foreach (var pair in group.Select(r => r.Pair).Distinct())
            {
                Assert.True(seenPairs.Add(pair), $"pair {pair} spans row groups");
                Assert.Equal(Layers * Checkpoints, group.Count(r => r.Pair == pair));
            }
            var keys = group.Select(r => (r.Pair, r.Layer, r.Epoch)).ToArray();
            Assert.Equal(keys.Order().ToArray(), keys);
        }

        var read = groups.SelectMany(g => g).ToDictionary(r => (r.Pair, r.Layer, r.Epoch));
        Assert.Equal(expected.Count, read.Count);
        foreach (var e in expected)
        {
            var r = read[(e.Pair, e.Layer, e.Epoch)];
            Assert.Equal((e.A, e.B, e.LabelA, e.LabelB, e.Dx2, e.Dy2, e.H2, e.Y2, e.W), (r.A, r.B, r.LabelA, r.LabelB, r.Dx2, r.Dy2, r.H2, r.Y2, r.W));
        }
        Assert.Equal(expected.Count + 1, File.ReadLines(Path.ChangeExtension(path, ".csv")).Count());
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.spill-*"));
    }

    [Fact]
    public void WithoutCompleteNothingIsLeftBehind()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("pairs.parquet");
        using (var table = PairTableByPair.Create(path))
        {
            table.AppendCheckpoint(Checkpoint(0, new Random(1)));
        }
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void ACheckpointWithADifferentRowCountIsRefused()
    {
        using var dir = new ScratchFolder();
        using var table = PairTableByPair.Create(dir.File("pairs.parquet"));
        table.AppendCheckpoint(Checkpoint(0, new Random(1)));
        var error = Assert.Throws<ArgumentException>(() => table.AppendCheckpoint(Checkpoint(1, new Random(1))[1..]));
        Assert.Contains("epoch 1", error.Message);
    }
}

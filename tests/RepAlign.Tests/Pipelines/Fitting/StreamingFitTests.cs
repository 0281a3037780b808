using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Inference.Bulk;
using RepAlign.Pipelines.Fitting;
using RepAlign.Theory;

namespace RepAlign.Tests.Pipelines.Fitting;

/// <summary>
/// The streaming fit on real MNIST trajectories (the first 12 pairs of the golden table's run, 201 checkpoints,
/// 4 layers): reading a pair-grouped extract/pairs one row group at a time gives the same trajectories and the same
/// fits as reading it whole, and fit.curves keeps what it says.
/// </summary>
public class StreamingFitTests
{
    private static readonly Lazy<PairRow[]> Rows = new(() =>
        TableFile.Read<PairRow>(TestPaths.TestData(Path.Combine("mnist", "pairs_1800.parquet"))).Where(r => r.Pair < 12).ToArray());

    /// <summary>Writes the rows as the extractor does (one checkpoint at a time) into a pair-grouped table.</summary>
    private static string WriteGrouped(ScratchFolder dir, int rowsPerGroup)
    {
        var path = dir.File("extract/pairs.parquet");
        using var table = PairTableByPair.Create(path, rowsPerGroup: rowsPerGroup);
        foreach (var checkpoint in Rows.Value.GroupBy(r => r.Epoch).OrderBy(g => g.Key))
            table.AppendCheckpoint(checkpoint.OrderBy(r => r.Layer).ThenBy(r => r.Pair).ToArray());
        table.Complete();
        return path;
    }

    [Fact]
    public void GroupedBatchesHoldTheSameTrajectoriesAsTheWholeTable()
    {
        using var dir = new ScratchFolder();
        var path = WriteGrouped(dir, rowsPerGroup: 2000); // 804 rows per pair: two pairs per row group
        var batches = StreamingFit.PairBatches(path, TimeAxis.Epoch, out var total).ToArray();
        Assert.Equal(48, total);
        Assert.True(batches.Length >= 5, $"{batches.Length} batches: the table was not read in row groups");
        var streamed = batches.SelectMany(b => b).ToArray();
        var whole = BulkFit.FromPairs(Rows.Value);
        Assert.Equal(whole.Select(t => (t.Pair, t.Layer)), streamed.Select(t => (t.Pair, t.Layer)));
        for (var i = 0; i < whole.Count; i++)
        {
            Assert.Equal(whole[i].Trajectory.Epoch, streamed[i].Trajectory.Epoch);
            Assert.Equal(whole[i].Trajectory.H, streamed[i].Trajectory.H);
            Assert.Equal(whole[i].Trajectory.W, streamed[i].Trajectory.W);
            Assert.Equal((whole[i].A, whole[i].B, whole[i].LabelA, whole[i].LabelB, whole[i].Dx2), (streamed[i].A, streamed[i].B, streamed[i].LabelA, streamed[i].LabelB, streamed[i].Dx2));
        }
    }

    [Theory]
    [InlineData(CurveSelection.Report)]
    [InlineData(CurveSelection.All)]
    [InlineData(CurveSelection.None)]
    public void StreamedFitsEqualTheInMemoryFitsAndCurvesFollowTheSelection(CurveSelection selection)
    {
        using var dir = new ScratchFolder();
        var path = WriteGrouped(dir, rowsPerGroup: 2000);
        var options = FitOptions.Default with { FitLoss = false };
        var fitsPath = dir.File("fit/fits.parquet");
        var curvesPath = dir.File("fit/curves.parquet");
        StreamingFitSummary summary;
        using (var fits = ParquetStream<FitRow>.Create(fitsPath, csv: true))
        using (var curves = ParquetStream<CurveRow>.Create(curvesPath))
        {
            summary = StreamingFit.Run(StreamingFit.PairBatches(path, TimeAxis.Epoch, out _), options, selection, fits, curves);
            fits.Complete();
            curves.Complete();
        }

        var (expected, _) = BulkFit.Run(BulkFit.FromPairs(Rows.Value), options);
        var streamed = TableFile.Read<FitRow>(fitsPath);
        Assert.Equal(48, summary.Fits);
        Assert.Equal(expected.Length, streamed.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal((expected[i].Pair, expected[i].Layer), (streamed[i].Pair, streamed[i].Layer));
            Assert.Equal(expected[i].FitLoss, streamed[i].FitLoss);
            Assert.Equal(expected[i].EtaH, streamed[i].EtaH);
            Assert.Equal(expected[i].EtaY, streamed[i].EtaY);
        }

        var curveRows = TableFile.Read<CurveRow>(curvesPath);
        Assert.Equal(summary.CurveRows, curveRows.Count);
        var firstOfClassPair = Rows.Value.GroupBy(r => (Math.Min(r.LabelA, r.LabelB), Math.Max(r.LabelA, r.LabelB))).Select(g => g.Min(r => r.Pair)).Order().ToArray();
        int[] expectedPairs = selection switch
        {
            CurveSelection.All => Enumerable.Range(0, 12).ToArray(),
            CurveSelection.None => [],
            _ => firstOfClassPair,
        };
        Assert.Equal(expectedPairs, curveRows.Select(c => c.Pair).Distinct().Order().ToArray());
        Assert.Equal(expectedPairs.Length * 4 * 201, curveRows.Count);
        if (selection == CurveSelection.Report) Assert.InRange(expectedPairs.Length, 2, 11); // the slice holds more than one class pair, and pairs sharing one
    }

    [Fact]
    public void ATableOrderedByCheckpointIsStillReadWhole()
    {
        using var dir = new ScratchFolder();
        var path = dir.File("pairs.parquet");
        using (var table = ParquetStream<PairRow>.Create(path))
        {
            foreach (var checkpoint in Rows.Value.GroupBy(r => r.Epoch).OrderBy(g => g.Key)) table.AppendRowGroup(checkpoint.ToArray());
            table.Complete();
        }
        var batches = StreamingFit.PairBatches(path, TimeAxis.Epoch, out var total).ToArray();
        Assert.Single(batches);
        Assert.Equal(48, total);
        Assert.All(batches[0], t => Assert.Equal(201, t.Trajectory.Count));
    }
}

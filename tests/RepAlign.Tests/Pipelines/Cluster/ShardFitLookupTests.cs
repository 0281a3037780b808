using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Cluster;
using RepAlign.Pipelines.Fitting;
using RepAlign.Pipelines.Runner;
using RepAlign.Theory;

namespace RepAlign.Tests.Pipelines.Cluster;

/// <summary>
/// The merge of fit shards: streaming the trajectories as the local fit stage does but looking each chunk up in the
/// shards' tables (every curve kept) gives the local fit rows in the same order and the same curves file, byte for byte,
/// for the report's curve selection; a shard that lacks a pair is refused.
/// </summary>
public class ShardFitLookupTests
{
    private static readonly Lazy<IReadOnlyList<TrajectoryInput>> Inputs = new(() => BulkFit.FromPairs(
        TableFile.Read<PairRow>(TestPaths.TestData(Path.Combine("mnist", "pairs_1800.parquet"))).Where(r => r.Pair < 6)));

    private static readonly FitOptions Options = FitOptions.Default with { FitLoss = false };

    /// <summary>Streams the trajectories into fits and curves under root (fit/…), fitting them or using fitChunk.</summary>
    private static RunLayout Fit(string root, IEnumerable<IReadOnlyList<TrajectoryInput>> batches, CurveSelection curves, StreamingFit.ChunkFit? fitChunk = null)
    {
        var layout = new RunLayout(root);
        using var fits = ParquetStream<FitRow>.Create(layout.Fits);
        using var curveTable = ParquetStream<CurveRow>.Create(layout.Curves);
        StreamingFit.Run(batches, Options, curves, fits, curveTable, fitChunk: fitChunk);
        fits.Complete();
        curveTable.Complete();
        return layout;
    }

    /// <summary>Two fit shards (pairs 0–2 and 3–5, all curves) as the fit tasks write them.</summary>
    private static RunLayout[] Shards(ScratchFolder dir, int skipPair = -1) =>
        [Fit(dir.File("shard0"), [Inputs.Value.Where(i => i.Pair < 3 && i.Pair != skipPair).ToArray()], CurveSelection.All),
         Fit(dir.File("shard1"), [Inputs.Value.Where(i => i.Pair >= 3 && i.Pair != skipPair).ToArray()], CurveSelection.All)];

    [Fact]
    public void LookedUpChunksGiveTheLocalFitsAndTheLocalCurvesFile()
    {
        using var dir = new ScratchFolder();
        var local = Fit(dir.File("local"), [Inputs.Value.Take(10).ToArray(), Inputs.Value.Skip(10).ToArray()], CurveSelection.Report);
        var shards = Shards(dir);
        using var lookup = new ShardFitLookup(shards);
        var merged = Fit(dir.File("merged"), [Inputs.Value.Take(10).ToArray(), Inputs.Value.Skip(10).ToArray()], CurveSelection.Report, lookup.Chunk);
        lookup.RequireExhausted();

        Assert.True(File.ReadAllBytes(local.Curves).SequenceEqual(File.ReadAllBytes(merged.Curves)), "curves.parquet differs");
        var (expected, actual) = (TableFile.Read<FitRow>(local.Fits), TableFile.Read<FitRow>(merged.Fits));
        Assert.Equal(24, expected.Count);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].Pair, expected[i].Layer, expected[i].Regime, expected[i].Status), (actual[i].Pair, actual[i].Layer, actual[i].Regime, actual[i].Status));
            Assert.Equal((expected[i].EtaH, expected[i].EtaY, expected[i].FitLoss, expected[i].R2W), (actual[i].EtaH, actual[i].EtaY, actual[i].FitLoss, actual[i].R2W));
        }
        // Report keeps fewer curves than the shards hold: the selection was applied, not copied.
        Assert.True(TableFile.Read<CurveRow>(merged.Curves).Count < shards.Sum(s => TableFile.Read<CurveRow>(s.Curves).Count));
    }

    [Fact]
    public void AShardWithoutAPairIsRefusedNamingIt()
    {
        using var dir = new ScratchFolder();
        using var lookup = new ShardFitLookup(Shards(dir, skipPair: 4));
        var error = Assert.Throws<WorkFailedException>(() => Fit(dir.File("merged"), [Inputs.Value], CurveSelection.Report, lookup.Chunk));
        Assert.Contains("pair 4", error.Message);
    }
}

using static RepAlign.Tests.Training.TrainingFixtures;
using Parquet;
using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Metrics;
using RepAlign.Core.Tables;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;

namespace RepAlign.Tests.Inference.Bulk;

public class BulkPairExtractorTests
{
    private static readonly int[] Layers = [0, 2];

    private static BulkExtractRequest Request(List<(int Epoch, string Path)> checkpoints, int n, int pairCount, string output, int batch = 7, int seed = 3)
    {
        var (images, labels, targets) = BulkFixtures.Data(n, seed: seed);
        var pairs = PairSelection.Select($"random:{pairCount}", labels.Select(l => (byte)l).ToArray(), (ulong)seed).Pairs;
        return new BulkExtractRequest
        {
            Checkpoints = checkpoints, Images = images, InputWidth = 784, Targets = targets, TargetWidth = 10, Labels = labels,
            Pairs = pairs, Layers = Layers, Inference = new InferenceOptions { Threads = 1 }, BatchSize = batch, OutputParquet = output,
        };
    }

    [Fact]
    public void Rows_equal_per_image_runs_and_direct_metrics_across_batches_and_checkpoints()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 3);
        // 60 images, 40 random pairs (≈ 50 distinct images), batch 7: several batches, the last one partial.
        var request = Request(checkpoints, 60, 40, dir.File("extract/pairs.parquet"));
        var progress = new List<long>();
        var summary = BulkPairExtractor.Extract(request, new SyncProgress(progress.Add));
        var distinct = new PairSet(request.Pairs, "", "").DistinctImages().Length;
        Assert.True(distinct > 7 && distinct % 7 != 0, $"{distinct} distinct images should span batches unevenly");
        Assert.Equal(new long[] { 1, 2, 3 }, progress);
        Assert.Equal(3L * Layers.Length * 40, summary.Rows);
        Assert.Equal(distinct, summary.DistinctImages);

        var rows = TableFile.Read<PairRow>(request.OutputParquet);
        Assert.Equal(summary.Rows, rows.Count);
        var outputs = Layers.Select(RepAlign.Core.Checkpoints.OnnxNames.Hidden).Append(RepAlign.Core.Checkpoints.OnnxNames.Output).ToArray();
        var byKey = rows.ToDictionary(r => (r.Epoch, r.Layer, r.Pair));
        var i = 0;
        foreach (var (epoch, path) in checkpoints)
        {
            // Reference: every image on its own (batch 1) through the plain runner, metrics by PairMetrics.Compute.
            using var runner = new OnnxModelRunner(path, new InferenceOptions { Threads = 1 });
            var single = new Dictionary<int, IReadOnlyList<NamedOutput>>();
            IReadOnlyList<NamedOutput> Of(int image) =>
                single.TryGetValue(image, out var o) ? o : single[image] = runner.Run(request.Images.AsSpan(image * 784, 784), 1, outputs);
            for (var l = 0; l < Layers.Length; l++)
                for (var p = 0; p < request.Pairs.Length; p++)
                {
                    var row = byKey[(epoch, Layers[l], p)]; // rows are grouped by pair (PairTableByPair)
                    i++;
                    var (a, b) = request.Pairs[p];
                    Assert.Equal((epoch, Layers[l], p, a, b), (row.Epoch, row.Layer, row.Pair, row.A, row.B));
                    Assert.Equal((request.Labels[a], request.Labels[b]), (row.LabelA, row.LabelB));
                    var m = PairMetrics.Compute(Of(a)[l].Row(0), Of(b)[l].Row(0), Of(a)[^1].Row(0), Of(b)[^1].Row(0),
                        request.Targets.AsSpan(a * 10, 10), request.Targets.AsSpan(b * 10, 10));
                    // ONNX Runtime's batched and single-row kernels round differently in float32 (≈1e-7 relative).
                    Assert.True(Close(m.H2, row.H2, 1e-5), $"epoch {epoch} layer {Layers[l]} pair {p}: h2 {row.H2} vs {m.H2}");
                    Assert.True(Close(m.Y2, row.Y2, 1e-5, 1e-6), $"epoch {epoch} pair {p}: y2 {row.Y2} vs {m.Y2}");
                    Assert.True(Close(m.W, row.W, 1e-5, 1e-5), $"epoch {epoch} pair {p}: w {row.W} vs {m.W}");
                    Assert.Equal(PairMetrics.SquaredDistance(request.Images.AsSpan(a * 784, 784), request.Images.AsSpan(b * 784, 784)), row.Dx2, 12);
                    Assert.Equal(request.Labels[a] == request.Labels[b] ? 0.0 : 2.0, row.Dy2);
                }
        }
    }

    [Fact]
    public void Batch_size_does_not_change_the_rows_beyond_float_rounding()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 1);
        var small = Request(checkpoints, 50, 30, dir.File("small.parquet"), batch: 3);
        BulkPairExtractor.Extract(small);
        BulkPairExtractor.Extract(small with { BatchSize = 4096, OutputParquet = dir.File("large.parquet") });
        var x = TableFile.Read<PairRow>(small.OutputParquet);
        var y = TableFile.Read<PairRow>(dir.File("large.parquet"));
        Assert.Equal(x.Count, y.Count);
        for (var k = 0; k < x.Count; k++) Assert.True(Close(x[k].H2, y[k].H2, 1e-5), $"row {k}: {x[k].H2} vs {y[k].H2}");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(500)] // more workers than images: one per image at most
    public void Concurrent_sessions_give_the_rows_of_one_session(int workers)
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 2);
        var one = Request(checkpoints, 40, 25, dir.File("one.parquet"), batch: 4);
        BulkPairExtractor.Extract(one);
        var summary = BulkPairExtractor.Extract(one with { Workers = workers, OutputParquet = dir.File("many.parquet") });
        var x = TableFile.Read<PairRow>(one.OutputParquet);
        var y = TableFile.Read<PairRow>(dir.File("many.parquet"));
        Assert.Equal(x.Count, y.Count);
        Assert.Equal(x.Count, summary.Rows);
        for (var k = 0; k < x.Count; k++)
        {
            Assert.Equal((x[k].Epoch, x[k].Layer, x[k].Pair, x[k].A, x[k].B), (y[k].Epoch, y[k].Layer, y[k].Pair, y[k].A, y[k].B));
            Assert.True(Close(x[k].H2, y[k].H2, 1e-5), $"row {k}: {x[k].H2} vs {y[k].H2}");
            Assert.True(Close(x[k].W, y[k].W, 1e-5, 1e-5), $"row {k}: {x[k].W} vs {y[k].W}");
        }
    }

    [Fact]
    public void Fixed_batch_models_get_padded_batches_and_are_refused_without_the_flag()
    {
        using var dir = new ScratchFolder();
        var dynamic = BulkFixtures.Checkpoints(dir.Path, 1);
        // The same network with its batch dimension fixed at 8, as some foreign exporters write it.
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(dynamic[0].Path));
        foreach (var value in model.Graph.Input.Concat(model.Graph.Output))
            value.Type.TensorType.Shape.Dim[0] = new Onnx.TensorShapeProto.Types.Dimension { DimValue = 8 };
        var fixedPath = dir.File("fixed.onnx");
        File.WriteAllBytes(fixedPath, Google.Protobuf.MessageExtensions.ToByteArray(model));

        var reference = Request(dynamic, 40, 15, dir.File("dynamic.parquet"), batch: 8);
        var distinct = new PairSet(reference.Pairs, "", "").DistinctImages().Length;
        Assert.True(distinct % 8 != 0 && distinct % 4 != 0, $"{distinct} distinct images should leave a partial last batch");
        BulkPairExtractor.Extract(reference);
        var expected = TableFile.Read<PairRow>(reference.OutputParquet);
        foreach (var workers in new[] { 1, 2 })
        {
            var request = reference with { Checkpoints = [(0, fixedPath)], FixedBatch = true, Workers = workers, OutputParquet = dir.File($"fixed-{workers}.parquet") };
            BulkPairExtractor.Extract(request);
            var rows = TableFile.Read<PairRow>(request.OutputParquet);
            Assert.Equal(expected.Count, rows.Count);
            for (var k = 0; k < rows.Count; k++) Assert.True(Close(expected[k].H2, rows[k].H2, 1e-5), $"workers {workers} row {k}: {rows[k].H2} vs {expected[k].H2}");
        }

        var e = Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(reference with { Checkpoints = [(0, fixedPath)] }));
        Assert.Contains(fixedPath, e.Message);
        Assert.Contains("fixed batch of 8 rows", e.Message);
    }

    [Fact]
    public async Task Table_has_the_design_schema_rows_grouped_by_pair_and_a_matching_csv()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 4);
        var request = Request(checkpoints, 30, 12, dir.File("extract/pairs.parquet"), batch: 16) with
        {
            Csv = true,
            Metadata = new Dictionary<string, string> { ["repalign.pairs"] = "random:12" },
        };
        BulkPairExtractor.Extract(request);

        await using var file = File.OpenRead(request.OutputParquet);
        await using var reader = await ParquetReader.CreateAsync(file);
        Assert.Equal(["epoch", "step", "layer", "pair", "a", "b", "label_a", "label_b", "dx2", "dy2", "h2", "y2", "w"],
            reader.Schema.DataFields.Select(f => f.Name));
        Assert.Equal(1, reader.RowGroupCount); // 12 pairs × layers × 4 checkpoints fit one row group of whole pairs
        Assert.Equal(4 * Layers.Length * 12, reader.OpenRowGroupReader(0).RowCount);
        Assert.Equal("random:12", reader.CustomMetadata["repalign.pairs"]);
        Assert.Equal(PairTableByPair.OrderByPair, reader.CustomMetadata[PairTableByPair.OrderKey]);
        var keys = TableFile.Read<PairRow>(request.OutputParquet).Select(r => (r.Pair, r.Layer, r.Epoch)).ToArray();
        Assert.Equal(keys.Order().ToArray(), keys); // one pair's trajectories sit together

        var csv = File.ReadAllLines(dir.File("extract/pairs.csv"));
        Assert.Equal("epoch,step,layer,pair,a,b,label_a,label_b,dx2,dy2,h2,y2,w", csv[0]);
        Assert.Equal(4 * Layers.Length * 12 + 1, csv.Length);
        Assert.Empty(Directory.GetFiles(dir.File("extract"), "*.tmp-*"));
        Assert.Empty(Directory.GetFiles(dir.File("extract"), "*.spill-*"));
    }

    [Fact]
    public void Linear_probe_table_has_one_accuracy_per_checkpoint_and_layer()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 4);
        var request = Request(checkpoints, 120, 100, dir.File("pairs.parquet"), batch: 64) with
        {
            ProbeParquet = dir.File("probes.parquet"),
            ProbeEvery = 2, // checkpoints 0 and 2, and the last one (3)
        };
        var summary = BulkPairExtractor.Extract(request);
        var probes = TableFile.Read<ProbeRow>(request.ProbeParquet!);
        Assert.Equal(new[] { 0, 2, 3 }.SelectMany(c => Layers.Select(l => (checkpoints[c].Epoch, l))), probes.Select(p => (p.Epoch, p.Layer)));
        Assert.All(probes, p => Assert.InRange(p.Accuracy, 0, 1));
        Assert.All(probes, p => Assert.Equal(summary.DistinctImages, p.TrainImages + p.TestImages));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Held_out_accuracy_is_libtorchs_argmax_against_the_labels_at_every_checkpoint(int workers)
    {
        // Labels: libtorch's own prediction on even rows, another class on odd rows, so about half are right and a row
        // misplaced between batches, workers or checkpoints changes the count.
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 3);
        var (heldOut, _, _) = BulkFixtures.Data(53, seed: 9);
        var predicted = Enumerable.Range(0, checkpoints.Count).Select(c => LibtorchPrediction(c, heldOut, 53)).ToArray();
        var labels = predicted[1].Classes.Select((p, i) => i % 2 == 0 ? p : (p + 1) % 10).ToArray();
        var request = Request(checkpoints, 60, 40, dir.File("pairs.parquet")) with { HeldOutImages = heldOut, HeldOutLabels = labels, Workers = workers };

        var summary = BulkPairExtractor.Extract(request);

        Assert.Equal(checkpoints.Select(c => c.Epoch), summary.HeldOut.Select(a => a.Epoch));
        for (var c = 0; c < checkpoints.Count; c++)
        {
            Assert.True(predicted[c].Margin > 1e-3, $"checkpoint {c}: a near tie ({predicted[c].Margin:G3}) could flip between libtorch and ONNX Runtime");
            var expected = predicted[c].Classes.Zip(labels).Count(x => x.First == x.Second) / 53.0;
            Assert.Equal(expected, summary.HeldOut[c].Accuracy);
            Assert.Equal(53, summary.HeldOut[c].Images);
        }
        Assert.Equal(27 / 53.0, summary.HeldOut[1].Accuracy); // the even rows exactly
    }

    [Fact]
    public void Held_out_rows_that_do_not_match_their_labels_are_bad_input()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 1);
        var request = Request(checkpoints, 60, 40, dir.File("pairs.parquet"));
        var e = Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request with { HeldOutImages = new float[784 * 3], HeldOutLabels = [1, 2] }));
        Assert.Contains("held-out images", e.Message);
        Assert.Contains("2 images × 784", e.Message);
        e = Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request with { HeldOutImages = new float[784 * 2], HeldOutLabels = [1, 10] }));
        Assert.Contains("held-out labels[1]: 10", e.Message);
        Assert.False(File.Exists(request.OutputParquet));
    }

    /// <summary>Checkpoint c's predicted classes on the images (libtorch's forward pass) and the smallest gap between a row's two largest outputs.</summary>
    private static (int[] Classes, double Margin) LibtorchPrediction(int c, float[] images, int n)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var net = BulkFixtures.Network(c);
        using var _ = TorchSharp.torch.no_grad();
        var output = net.Forward(TorchSharp.torch.tensor(images, [n, 784])).Output.data<float>().ToArray(); // (n, 10)
        var classes = new int[n];
        var margin = double.MaxValue;
        for (var i = 0; i < n; i++)
        {
            var row = output.AsSpan(i * 10, 10);
            var sorted = row.ToArray().OrderDescending().ToArray();
            classes[i] = row.IndexOf(sorted[0]);
            margin = Math.Min(margin, sorted[0] - sorted[1]);
        }
        return (classes, margin);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_bad_input_naming_it_and_nothing_is_written()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 1);
        var bogus = dir.File("epoch-00009.onnx");
        File.WriteAllText(bogus, "this is not a protobuf model");
        var request = Request([.. checkpoints, (9, bogus)], 20, 5, dir.File("out/pairs.parquet"));
        var e = Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request));
        Assert.Contains(bogus, e.Message);
        Assert.Contains("cannot load", e.Message);
        Assert.False(File.Exists(request.OutputParquet));
        Assert.Empty(Directory.GetFiles(dir.File("out")));
    }

    [Fact]
    public void A_checkpoint_of_another_input_width_is_bad_input_with_both_widths()
    {
        using var dir = new ScratchFolder();
        var narrow = BulkFixtures.Checkpoints(dir.Path, 1, inputDim: 100);
        var e = Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(Request(narrow, 20, 5, dir.File("pairs.parquet"))));
        Assert.Contains(narrow[0].Path, e.Message);
        Assert.Contains("expects input width 100, data has 784", e.Message);
    }

    [Fact]
    public void A_missing_hidden_layer_is_bad_input_listing_the_outputs()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 1);
        var request = Request(checkpoints, 20, 5, dir.File("pairs.parquet")) with { Layers = [0, 5] };
        var e = Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request));
        Assert.Contains("hidden_5 (layer 5)", e.Message);
        Assert.Contains("hidden_0, hidden_1, hidden_2, output", e.Message);
    }

    [Fact]
    public void Inconsistent_requests_are_bad_input()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 1);
        var request = Request(checkpoints, 20, 5, dir.File("pairs.parquet"));
        Assert.Contains("0..19", Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request with { Pairs = [(0, 20)] })).Message);
        Assert.Contains("not found", Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request with { Checkpoints = [(1, dir.File("none.onnx"))] })).Message);
        Assert.Contains("targets have 3", Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request with
        {
            TargetWidth = 3, Targets = new float[20 * 3],
        })).Message);
        Assert.Contains("images", Assert.Throws<BadInputException>(() => BulkPairExtractor.Extract(request with { Images = new float[5] })).Message);
    }

    [Fact]
    public void Cancellation_leaves_no_file()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 3);
        var request = Request(checkpoints, 20, 5, dir.File("out/pairs.parquet"));
        using var cts = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => BulkPairExtractor.Extract(request, new SyncProgress(done => { if (done == 2) cts.Cancel(); }), cts.Token));
        Assert.Empty(Directory.GetFiles(dir.File("out")));
    }



    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}

using Google.Protobuf;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Inference.Graphs;
using RepAlign.Tests.Pipelines;
using Xunit.Abstractions;

namespace RepAlign.Tests.Inference.Bulk;

/// <summary>
/// The CUDA plan's code paths (one weight-swap session per worker, staged outputs, IOBinding) run on the CPU provider
/// and must give the rows of the CPU plan (a fresh session per checkpoint, outputs in place): everything but the pinned
/// allocator and the device itself is exercised here, on RepAlign's checkpoints and on PyTorch's exports.
/// </summary>
public class CudaPlanOnCpuTests
{
    private static BulkExtractRequest Request(IReadOnlyList<(int Epoch, string Path)> checkpoints, string output, int batch, int workers, int n = 60, int pairs = 40)
    {
        var (images, labels, targets) = BulkFixtures.Data(n, seed: 5);
        return new BulkExtractRequest
        {
            Checkpoints = checkpoints, Images = images, InputWidth = 784, Targets = targets, TargetWidth = 10, Labels = labels,
            Pairs = PairSelection.Select($"random:{pairs}", labels.Select(l => (byte)l).ToArray(), 5).Pairs,
            Layers = [0, 1, 2], Inference = new InferenceOptions { Threads = 1 }, BatchSize = batch, Workers = workers, OutputParquet = output,
        };
    }

    /// <summary>Extracts with the CPU plan and with the CUDA plan's sessions and buffers; returns both tables and the second summary.</summary>
    internal static (IList<PairRow> Cpu, IList<PairRow> CudaPlan, BulkExtractSummary Summary) Both(BulkExtractRequest request, string folder)
    {
        var cpu = request with { OutputParquet = Path.Combine(folder, "cpu.parquet") };
        var cudaPlan = request with { OutputParquet = Path.Combine(folder, "cuda-plan.parquet"), ReuseSessions = true, StageOutputs = true };
        Assert.Contains("a session per checkpoint", BulkPairExtractor.Extract(cpu).Execution);
        var summary = BulkPairExtractor.Extract(cudaPlan);
        return (TableFile.Read<PairRow>(cpu.OutputParquet), TableFile.Read<PairRow>(cudaPlan.OutputParquet), summary);
    }

    /// <summary>
    /// A value below this share of its column's largest is judged against that share: a difference of two float32
    /// outputs rounds relative to the outputs, not to the difference (benchmarks/gpu/compare.py judges CUDA against CPU alike).
    /// </summary>
    internal const double Floor = 0.1;

    /// <summary>
    /// Asserts equal keys and h2, y2, w within 1e−5 relative (float32 kernels with constant and with bound weights round
    /// differently), small values against <see cref="Floor"/> of their column's largest, and w against the larger of its two terms.
    /// </summary>
    internal static void AssertSameRows(IList<PairRow> expected, IList<PairRow> actual, string what)
    {
        Assert.True(expected.Count > 0, $"{what}: no rows");
        Assert.Equal(expected.Count, actual.Count);
        var scale = (H2: expected.Max(r => Math.Abs(r.H2)), Y2: expected.Max(r => Math.Abs(r.Y2)), W: expected.Max(r => Math.Abs(r.W)));
        for (var k = 0; k < expected.Count; k++)
        {
            var (e, a) = (expected[k], actual[k]);
            Assert.Equal((e.Epoch, e.Layer, e.Pair, e.A, e.B), (a.Epoch, a.Layer, a.Pair, a.A, a.B));
            Assert.True(Math.Abs(e.H2 - a.H2) <= 1e-5 * Math.Max(Math.Abs(e.H2), Floor * scale.H2), $"{what} row {k}: h2 {a.H2} vs {e.H2}");
            Assert.True(Math.Abs(e.Y2 - a.Y2) <= 1e-5 * Math.Max(Math.Abs(e.Y2), Floor * scale.Y2), $"{what} row {k}: y2 {a.Y2} vs {e.Y2}");
            // w = y2 − dy·dŷ is a difference of two terms: its rounding is relative to the larger of them.
            var wTerms = Math.Max(Math.Max(Math.Abs(e.W), e.Y2), Math.Abs(e.Y2 - e.W));
            Assert.True(Math.Abs(e.W - a.W) <= 1e-5 * Math.Max(wTerms, Floor * scale.W), $"{what} row {k}: w {a.W} vs {e.W} (y2 {e.Y2}, largest |w| {scale.W})");
        }
    }

    [Theory]
    [InlineData(1, 7)] // several batches, the last one partial
    [InlineData(2, 7)]
    [InlineData(2, 4096)] // one batch per worker
    public void The_cuda_plan_gives_the_rows_of_the_cpu_plan(int workers, int batch)
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 4);
        var (cpu, cudaPlan, summary) = Both(Request(checkpoints, "", batch, workers), dir.Path);
        AssertSameRows(cpu, cudaPlan, $"workers {workers}, batch {batch}");
        Assert.Equal(4 * 3 * 40, cudaPlan.Count);
        Assert.Contains("sessions reused, weights swapped", summary.Execution);
        Assert.Contains(", 1 session opened", summary.Execution); // one for the whole run, shared by the workers
    }

    [CudaFact]
    public void On_cuda_the_rows_equal_the_cpu_rows_within_1e_5()
    {
        using var dir = new ScratchFolder();
        var request = Request(BulkFixtures.Checkpoints(dir.Path, 3), dir.File("cpu.parquet"), batch: 7, workers: 2);
        BulkPairExtractor.Extract(request);
        var cuda = request with { Inference = new InferenceOptions { Device = Device.Cuda }, OutputParquet = dir.File("cuda.parquet") };
        var summary = BulkPairExtractor.Extract(cuda);
        Assert.Contains("cuda:0", summary.Execution);
        Assert.Contains("pinned staging", summary.Execution);
        Assert.Contains(", 1 session opened", summary.Execution);
        AssertSameRows(TableFile.Read<PairRow>(request.OutputParquet), TableFile.Read<PairRow>(cuda.OutputParquet), "cuda");
    }

    [Fact]
    public void Staged_outputs_alone_are_the_in_place_outputs_bit_for_bit()
    {
        using var dir = new ScratchFolder();
        var request = Request(BulkFixtures.Checkpoints(dir.Path, 2), dir.File("in-place.parquet"), batch: 9, workers: 2);
        BulkPairExtractor.Extract(request);
        BulkPairExtractor.Extract(request with { StageOutputs = true, OutputParquet = dir.File("staged.parquet") });
        var a = TableFile.Read<PairRow>(request.OutputParquet);
        var b = TableFile.Read<PairRow>(dir.File("staged.parquet"));
        Assert.Equal(2 * 3 * 40, a.Count);
        Assert.Equal(a.Select(r => (r.H2, r.Y2, r.W)), b.Select(r => (r.H2, r.Y2, r.W)));
    }

    [Fact]
    public void A_checkpoint_of_another_graph_gets_a_session_of_its_own()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 3);
        // The second checkpoint computes the same function from a differently written graph (a renamed node).
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(checkpoints[1].Path));
        model.Graph.Node[0].Name += "-renamed";
        var renamed = dir.File("renamed.onnx");
        File.WriteAllBytes(renamed, model.ToByteArray());
        List<(int, string)> list = [checkpoints[0], (checkpoints[1].Epoch, renamed), checkpoints[2]];
        var (cpu, cudaPlan, summary) = Both(Request(list, "", batch: 16, workers: 2), dir.Path);
        AssertSameRows(cpu, cudaPlan, "graphs A, B, A");
        Assert.Contains(", 3 sessions opened", summary.Execution); // graphs A, B, then A again, each shared by the 2 workers
    }

    [Fact]
    public void A_fixed_batch_graph_runs_padded_batches_in_the_cuda_plan()
    {
        using var dir = new ScratchFolder();
        var dynamic = BulkFixtures.Checkpoints(dir.Path, 2);
        var fixedList = dynamic.Select(c =>
        {
            var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(c.Path));
            foreach (var value in model.Graph.Input.Concat(model.Graph.Output))
                value.Type.TensorType.Shape.Dim[0] = new Onnx.TensorShapeProto.Types.Dimension { DimValue = 8 };
            var path = dir.File($"fixed-{c.Epoch}.onnx");
            File.WriteAllBytes(path, model.ToByteArray());
            return (c.Epoch, path);
        }).ToList();
        var request = Request(fixedList, "", batch: 8, workers: 2) with { FixedBatch = true };
        var (cpu, cudaPlan, _) = Both(request, dir.Path);
        AssertSameRows(cpu, cudaPlan, "fixed batch 8");
    }
}

/// <summary>The CUDA plan's weight-swap sessions on every working series of PyTorch's exports (opsets 9–17, BatchNorm, LayerNorm, CNNs, initialisers as inputs, fixed batches, external data).</summary>
[Collection("pytorch corpus")]
public class CudaPlanOnPyTorchExportsTests(PyTorchCorpus corpus, ITestOutputHelper output)
{
    public static TheoryData<string> Series => new(PyTorchCorpusTests.Working.Select(row => (string)row[0]));

    [Theory]
    [MemberData(nameof(Series))]
    public void The_cuda_plan_gives_the_rows_of_the_cpu_plan(string series)
    {
        using var dir = new ScratchFolder();
        var files = CheckpointFolder.Scan(corpus.SeriesFolder(series));
        var info = GraphInspector.Inspect(files[0].Path);
        var layers = info.AutoLayers.Select(l => l.Name).ToArray();
        var prediction = info.Outputs.Select(o => o.Name).Last(n => !layers.Contains(n));
        var exposed = files.Select((f, k) =>
        {
            var path = dir.File($"checkpoint-{k:D5}.onnx");
            File.WriteAllBytes(path, GraphEditor.ExposeOutputs(f.Path, [.. layers, prediction]));
            return (f.Epoch, path);
        }).ToList();
        var fixedBatch = GraphEditor.FixedBatch(info);
        var (images, labels, targets) = BulkFixtures.Data(30, seed: 9);
        var request = new BulkExtractRequest
        {
            Checkpoints = exposed, Images = images, InputWidth = 784, Targets = targets, TargetWidth = 10, Labels = labels,
            Pairs = PairSelection.Select("random:12", labels.Select(l => (byte)l).ToArray(), 9).Pairs,
            Layers = Enumerable.Range(0, layers.Length).ToArray(), LayerOutputs = layers, PredictionOutput = prediction,
            Inference = new InferenceOptions { Threads = 1 }, Workers = 2,
            BatchSize = fixedBatch ?? 7, FixedBatch = fixedBatch is not null,
        };
        var (cpu, cudaPlan, summary) = CudaPlanOnCpuTests.Both(request, dir.Path);
        output.WriteLine($"{series}: {files.Count} checkpoints, {summary.Execution}");
        CudaPlanOnCpuTests.AssertSameRows(cpu, cudaPlan, series);
        Assert.Equal(files.Count * layers.Length * 12, cudaPlan.Count);
    }
}

using RepAlign.Core.Checkpoints;
using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// Inputs of the extraction benchmarks, built once per process in a temporary folder: the
/// paper's MNIST network (784-200-200-200-200-10, leaky ReLU, gain 0.5) exported by RepAlign's
/// own exporter, a one-node 2048×2048 MatMul graph that measures the machine's peak through
/// ONNX Runtime's own kernels, and seeded synthetic data.
/// </summary>
public static class ExtractBenchmarkData
{
    /// <summary>Input width of the network.</summary>
    public const int InputWidth = 784;

    /// <summary>Hidden width.</summary>
    public const int Width = 200;

    /// <summary>Hidden layers.</summary>
    public const int Depth = 4;

    /// <summary>Classes (output width).</summary>
    public const int Classes = 10;

    /// <summary>Side of the square MatMul that measures the peak.</summary>
    public const int MatMulSide = 2048;

    /// <summary>Floating-point operations per image of the network: 2·Σ in·out over its linear layers.</summary>
    public const long FlopsPerImage = 2L * (InputWidth * Width + (Depth - 1) * Width * Width + Width * Classes);

    /// <summary>Floating-point operations of one MatMul: 2·n³.</summary>
    public const long MatMulFlops = 2L * MatMulSide * MatMulSide * MatMulSide;

    /// <summary>ONNX Runtime threads (default: every core of the machine; the console probes can set it).</summary>
    public static int Threads { get; set; } = Environment.ProcessorCount;

    // Shared by processes, so that a later process (the memory probe) finds the network without loading TorchSharp.
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "repalign-extract-bench");

    /// <summary>The network's ONNX file (written on first use).</summary>
    public static string Mlp()
    {
        var path = Path.Combine(Folder, "mlp-784-200x4-10.onnx");
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(Folder);
        TorchRuntime.EnsureLoaded();
        var model = new ModelSpec { Width = Width, Depth = Depth, Activation = Activation.LeakyRelu, Gain = 0.5 };
        using var generator = new Generator(1, CPU);
        using var net = NetworkFactory.Create(model, InputWidth, Classes, generator);
        OnnxExporter.Write(net, new CheckpointInfo(model, new DataSpec { InputDim = InputWidth, OutputDim = Classes }, new TrainSpec(), 0), path);
        return path;
    }

    /// <summary>A one-node ONNX graph Y = A·B with A, B float32 inputs of <see cref="MatMulSide"/>² (written on first use).</summary>
    public static string MatMul()
    {
        var path = Path.Combine(Folder, $"matmul-{MatMulSide}.onnx");
        if (File.Exists(path)) return path;
        Directory.CreateDirectory(Folder);
        var graph = new GraphProto { Name = "matmul" };
        graph.Input.Add(Square("A"));
        graph.Input.Add(Square("B"));
        graph.Output.Add(Square("Y"));
        var node = new NodeProto { OpType = "MatMul", Name = "matmul" };
        node.Input.Add("A");
        node.Input.Add("B");
        node.Output.Add("Y");
        graph.Node.Add(node);
        var model = new ModelProto { IrVersion = 8, ProducerName = "RepAlign.Benchmarks", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        OnnxExporter.WriteAtomically(model, path);
        return path;
    }

    /// <summary>n seeded images (standard normal values), labels and one-hot targets.</summary>
    public static (float[] Images, int[] Labels, float[] Targets) Data(int n, int seed = 42)
    {
        var rng = new Random(seed);
        var images = new float[n * InputWidth]; // (N, 784)
        for (var i = 0; i < images.Length; i++) images[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var labels = Enumerable.Range(0, n).Select(_ => rng.Next(Classes)).ToArray();
        return (images, labels, MnistDataset.OneHot(labels.Select(l => (byte)l).ToArray()));
    }

    /// <summary>
    /// An extraction request over the network listed <paramref name="checkpoints"/> times, with <paramref name="pairs"/> random
    /// pairs of 10,000 images: one session of <see cref="Threads"/> threads, or <paramref name="workers"/> sessions of one thread.
    /// </summary>
    public static BulkExtractRequest Request(int checkpoints, int pairs, int batchSize, string output, int workers = 1)
    {
        var (images, labels, targets) = Data(10_000);
        var path = Mlp();
        return new BulkExtractRequest
        {
            Checkpoints = Enumerable.Range(0, checkpoints).Select(e => (e, path)).ToArray(),
            Images = images, InputWidth = InputWidth, Targets = targets, TargetWidth = Classes, Labels = labels,
            Pairs = PairSelection.Select($"random:{pairs}", labels.Select(l => (byte)l).ToArray(), 7).Pairs,
            Layers = Enumerable.Range(0, Depth).ToArray(),
            Inference = new InferenceOptions { Threads = workers > 1 ? 1 : Threads },
            Workers = workers,
            BatchSize = batchSize,
            OutputParquet = output,
        };
    }

    private static ValueInfoProto Square(string name)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = MatMulSide });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = MatMulSide });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}

/// <summary>
/// The machine's peak as ONNX Runtime sees it: one 2048×2048 · 2048×2048 MatMul (17.2 GFLOP) on
/// preallocated inputs and output, all cores. GFLOP/s = 17.18 / median seconds.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MatMulPeakBenchmarks
{
    private InferenceSession session = null!;
    private OrtValue a = null!;
    private OrtValue b = null!;
    private OrtValue y = null!;
    private RunOptions options = null!;

    /// <summary>Opens the one-node graph and fills the inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        using var so = OnnxSessionFactory.CreateOptions(new InferenceOptions { Threads = ExtractBenchmarkData.Threads });
        session = new InferenceSession(ExtractBenchmarkData.MatMul(), so);
        const int n = ExtractBenchmarkData.MatMulSide;
        var rng = new Random(1);
        var left = Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray();
        var right = Enumerable.Range(0, n * n).Select(_ => (float)rng.NextDouble()).ToArray();
        a = OrtValue.CreateTensorValueFromMemory(left, [n, n]);
        b = OrtValue.CreateTensorValueFromMemory(right, [n, n]);
        y = OrtValue.CreateTensorValueFromMemory(new float[n * n], [n, n]);
        options = new RunOptions();
    }

    /// <summary>Releases the session and tensors.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var d in new IDisposable[] { a, b, y, options, session }) d.Dispose();
    }

    /// <summary>One MatMul of two 2048² matrices.</summary>
    [Benchmark]
    public void MatMul2048() => session.Run(options, ["A", "B"], [a, b], ["Y"], [y]);
}

/// <summary>
/// Images per second through the network (all four hidden layers and the output read back) for
/// 8192 images: RepAlign's batched pass (<see cref="BatchedForward.Run"/>: gather rows into the
/// batch runner's staging buffer, outputs written straight into the representation buffers) against the baseline of raw ONNX
/// Runtime with its own output allocation and no gathering, at the same batch size.
/// GFLOP/s = 8192 · <see cref="ExtractBenchmarkData.FlopsPerImage"/> / median seconds.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ExtractForwardBenchmarks
{
    /// <summary>Images per pass.</summary>
    public const int Images = 8192;

    private OnnxModelRunner runner = null!;
    private BatchRunner batches = null!;
    private InferenceSession raw = null!;
    private BulkExtractRequest request = null!;
    private int[] images = null!;
    private string[] outputs = null!;
    private float[][] representations = null!;
    private int[] widths = null!;
    private RunOptions options = null!;

    /// <summary>Rows per ONNX Runtime run.</summary>
    [Params(256, 1024, 4096)]
    public int BatchSize { get; set; }

    /// <summary>Opens the model twice (wrapper and raw) and allocates the buffers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        request = ExtractBenchmarkData.Request(1, 10, BatchSize, "unused.parquet");
        runner = new OnnxModelRunner(ExtractBenchmarkData.Mlp(), request.Inference);
        using var so = OnnxSessionFactory.CreateOptions(request.Inference);
        raw = new InferenceSession(ExtractBenchmarkData.Mlp(), so);
        images = Enumerable.Range(0, Images).Select(i => (i * 7919) % 10_000).ToArray(); // scattered rows, as pairs give
        outputs = Enumerable.Range(0, ExtractBenchmarkData.Depth).Select(RepAlign.Core.Checkpoints.OnnxNames.Hidden).Append(RepAlign.Core.Checkpoints.OnnxNames.Output).ToArray();
        batches = new BatchRunner(BatchSize, outputs, stageOutputs: false);
        batches.Attach(runner);
        widths = outputs.Select(runner.OutputWidth).ToArray();
        representations = widths.Select(w => new float[Images * w]).ToArray();
        options = new RunOptions();
    }

    /// <summary>Releases the sessions.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        batches.Dispose();
        runner.Dispose();
        raw.Dispose();
        options.Dispose();
    }

    /// <summary>Baseline: raw ONNX Runtime on contiguous rows, outputs allocated by ONNX Runtime each run.</summary>
    [Benchmark(Baseline = true)]
    public float RawOnnxRuntime()
    {
        var sum = 0f;
        for (var start = 0; start < Images; start += BatchSize)
        {
            var count = Math.Min(BatchSize, Images - start);
            using var x = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance,
                request.Images.AsMemory(start * ExtractBenchmarkData.InputWidth, count * ExtractBenchmarkData.InputWidth), [count, ExtractBenchmarkData.InputWidth]);
            using var results = raw.Run(options, ["input"], [x], outputs);
            sum += results[^1].GetTensorDataAsSpan<float>()[0];
        }
        return sum;
    }

    /// <summary>RepAlign's batched pass over scattered images into preallocated buffers.</summary>
    [Benchmark]
    public float BulkForward()
    {
        BatchedForward.Run(batches, request, images, 0, images.Length, representations, widths);
        return representations[^1][0];
    }
}

/// <summary>
/// Pairs per second: the whole extraction of 10,000 random pairs × 4 layers from one checkpoint
/// (ONNX Runtime pass over the ≈ 8,700 distinct images, metrics, Parquet row group, atomic rename),
/// and the metric step alone by each h2 method.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class ExtractPairsBenchmarks
{
    /// <summary>Pairs per checkpoint.</summary>
    public const int Pairs = 10_000;

    private BulkExtractRequest request = null!;
    private string folder = null!;
    private float[] rows = null!;
    private int[] pa = null!;
    private int[] pb = null!;
    private double[] h2 = null!;

    /// <summary>1: one session using every core; 2: two single-threaded sessions.</summary>
    [Params(1, 2)]
    public int Workers { get; set; }

    /// <summary>Writes the network and prepares the request and a representation buffer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        folder = Directory.CreateTempSubdirectory("repalign-extract-pairs-").FullName;
        request = ExtractBenchmarkData.Request(1, Pairs, 1024, Path.Combine(folder, "pairs.parquet"), Workers);
        var distinct = new PairSet(request.Pairs, "", "").DistinctImages();
        var position = distinct.Select((image, r) => (image, r)).ToDictionary(t => t.image, t => t.r);
        pa = request.Pairs.Select(p => position[p.A]).ToArray();
        pb = request.Pairs.Select(p => position[p.B]).ToArray();
        var rng = new Random(3);
        rows = Enumerable.Range(0, distinct.Length * ExtractBenchmarkData.Width).Select(_ => (float)rng.NextDouble()).ToArray();
        h2 = new double[Pairs];
    }

    /// <summary>Removes the output folder.</summary>
    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(folder, recursive: true);

    /// <summary>One checkpoint, 10,000 pairs × 4 layers, written to Parquet.</summary>
    [Benchmark]
    public long ExtractOneCheckpoint() => BulkPairExtractor.Extract(request).Rows;

    /// <summary>h2 of 10,000 pairs at one 200-wide layer, direct differences (baseline).</summary>
    [Benchmark(Baseline = true)]
    public double MetricsDirect()
    {
        PairKernels.PairDistances(rows, ExtractBenchmarkData.Width, pa, pb, h2);
        return h2[0];
    }
}

/// <summary>
/// Console mode for what BenchmarkDotNet does not measure: the peak working set of a whole
/// extraction (10,000 pairs × 4 layers × N checkpoints, the same ONNX file listed N times), to
/// show that memory does not grow with the number of checkpoints. Run it in a fresh process per
/// N, since <see cref="Process.PeakWorkingSet64"/> only grows.
/// </summary>
public static class ExtractMemoryProbe
{
    /// <summary>Runs one extraction and prints checkpoints, rows, seconds, images/s, pairs/s and peak working set.</summary>
    /// <param name="args">Optional: checkpoints (default 100), pairs (default 10,000), batch size (default 1024), workers (default: one single-threaded session per core).</param>
    /// <returns>Exit code 0.</returns>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var checkpoints = ProbeArgs.Int(args, 0, 100);
        var pairs = ProbeArgs.Int(args, 1, 10_000);
        var batch = ProbeArgs.Int(args, 2, 1024);
        var workers = ProbeArgs.Int(args, 3, Environment.ProcessorCount);
        var folder = Directory.CreateTempSubdirectory("repalign-extract-memory-").FullName;
        try
        {
            var request = ExtractBenchmarkData.Request(checkpoints, pairs, batch, Path.Combine(folder, "pairs.parquet"), workers);
            GC.Collect();
            var before = Process.GetCurrentProcess().PeakWorkingSet64;
            var summary = BulkPairExtractor.Extract(request);
            using var process = Process.GetCurrentProcess();
            process.Refresh();
            var size = new FileInfo(request.OutputParquet).Length;
            Console.WriteLine($"checkpoints={checkpoints} pairs={pairs} layers={summary.Layers} distinct_images={summary.DistinctImages} batch={batch} workers={workers} rows={summary.Rows}");
            Console.WriteLine($"seconds={summary.Seconds:F2} inference={summary.InferenceSeconds:F2} metrics={summary.MetricsSeconds:F2} write={summary.WriteSeconds:F2}");
            Console.WriteLine($"images_per_s={summary.ImagesPerSecond:F0} gflops={summary.ImagesPerSecond * ExtractBenchmarkData.FlopsPerImage / 1e9:F1} pairs_per_s={summary.PairsPerSecond:F0}");
            Console.WriteLine($"peak_working_set_mb_before={before / 1e6:F0} peak_working_set_mb={process.PeakWorkingSet64 / 1e6:F0} parquet_mb={size / 1e6:F1}");
            return 0;
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

/// <summary>
/// Console mode that measures achieved GFLOP/s against the peak in the same run, interleaved so that
/// all see the same machine load: for each batch size, repetitions alternate one 2048² MatMul (all
/// cores), one batched pass of 8192 images through the network in one session using all cores, and
/// the same pass split over one single-threaded session per core; medians are compared.
/// </summary>
public static class ExtractPeakProbe
{
    /// <summary>Prints, per batch size, the median MatMul GFLOP/s and, for both ways of using the cores, the network's GFLOP/s, images/s and their ratio to the MatMul.</summary>
    /// <param name="args">Optional: repetitions per batch size (default 21), ONNX Runtime threads (default: all cores).</param>
    /// <returns>Exit code 0.</returns>
    public static int Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var repetitions = ProbeArgs.Int(args, 0, 21);
        if (args.Length > 1) ExtractBenchmarkData.Threads = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine($"threads={ExtractBenchmarkData.Threads} repetitions={repetitions}");
        var peak = new MatMulPeakBenchmarks();
        peak.Setup();
        var path = ExtractBenchmarkData.Mlp();
        var threads = ExtractBenchmarkData.Threads;
        var request = ExtractBenchmarkData.Request(1, 10, 1024, "unused.parquet");
        var images = Enumerable.Range(0, ExtractForwardBenchmarks.Images).Select(i => (i * 7919) % 10_000).ToArray();
        var outputs = Enumerable.Range(0, ExtractBenchmarkData.Depth).Select(RepAlign.Core.Checkpoints.OnnxNames.Hidden).Append(RepAlign.Core.Checkpoints.OnnxNames.Output).ToArray();
        using var one = new OnnxModelRunner(path, new InferenceOptions { Threads = threads });
        var single = Enumerable.Range(0, threads).Select(_ => new OnnxModelRunner(path, new InferenceOptions { Threads = 1 })).ToArray();
        var widths = outputs.Select(one.OutputWidth).ToArray();
        var representations = widths.Select(w => new float[images.Length * w]).ToArray();
        try
        {
            Console.WriteLine($"batch | MatMul GFLOP/s ({threads} threads) | 1 session × {threads} threads: GFLOP/s, images/s, % of MatMul | {threads} sessions × 1 thread: GFLOP/s, images/s, % of MatMul");
            foreach (var batch in new[] { 256, 1024, 2048, 4096 })
            {
                var r = request with { BatchSize = batch };
                using var oneBatches = new BatchRunner(batch, outputs, stageOutputs: false);
                oneBatches.Attach(one);
                var singleBatches = single.Select(s => { var b = new BatchRunner(batch, outputs, stageOutputs: false); b.Attach(s); return b; }).ToArray();
                void OneSession() => BatchedForward.Run(oneBatches, r, images, 0, images.Length, representations, widths);
                void Sessions() => Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, w =>
                {
                    var first = images.Length * w / threads;
                    var end = images.Length * (w + 1) / threads;
                    BatchedForward.Run(singleBatches[w], r, images, first, end - first, representations, widths);
                });
                OneSession();
                Sessions();
                peak.MatMul2048();
                var matmul = new List<double>();
                var intra = new List<double>();
                var parallel = new List<double>();
                for (var rep = 0; rep < repetitions; rep++)
                {
                    matmul.Add(Time(peak.MatMul2048));
                    intra.Add(Time(OneSession));
                    parallel.Add(Time(Sessions));
                }
                var peakGflops = ExtractBenchmarkData.MatMulFlops / ProbeArgs.Median(matmul) / 1e9;
                string Figures(List<double> seconds)
                {
                    var imagesPerSecond = images.Length / ProbeArgs.Median(seconds);
                    var gflops = imagesPerSecond * ExtractBenchmarkData.FlopsPerImage / 1e9;
                    return $"{gflops:F1}, {imagesPerSecond:F0}, {100 * gflops / peakGflops:F0}%";
                }
                Console.WriteLine($"{batch} | {peakGflops:F1} | {Figures(intra)} | {Figures(parallel)}");
                foreach (var b in singleBatches) b.Dispose();
            }
        }
        finally
        {
            peak.Cleanup();
            foreach (var runner in single) runner.Dispose();
        }
        return 0;
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalSeconds;
    }

}

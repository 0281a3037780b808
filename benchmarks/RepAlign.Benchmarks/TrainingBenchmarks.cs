using RepAlign.Core.Checkpoints;
using BenchmarkDotNet.Attributes;
using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// Training steps of the default two-point network (20 × 500, leaky ReLU, SGD, full batch), one libtorch
/// thread: RepAlign's trainer (recording loss, ȳ and the pair at layer 10 every epoch) against the
/// baseline of a bare TorchSharp loop over the same network (forward, 0.5·MSE, backward, step).
/// Each invocation runs <see cref="Steps"/> epochs; results are per step.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class TwoPointStepBenchmarks
{
    /// <summary>Epochs per invocation.</summary>
    public const int Steps = 200;

    private RepNetwork network = null!;
    private optim.Optimizer optimizer = null!;
    private Tensor x = null!;
    private Tensor y = null!;

    /// <summary>Builds the default network and its two points.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        torch.set_num_threads(1);
        using var generator = new Generator(0, CPU);
        network = NetworkFactory.Create(new ModelSpec(), 1, 1, generator);
        optimizer = optim.SGD(network.parameters(), 0.001);
        x = tensor(new[] { -1f, 0f }, [2, 1]); // (2, d_in)
        y = tensor(new[] { 0.6f, 0.6f + MathF.Sqrt(0.5f) }, [2, 1]); // (2, d_out)
    }

    /// <summary>Releases the network.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        optimizer.Dispose();
        network.Dispose();
        x.Dispose();
        y.Dispose();
    }

    /// <summary>Baseline: the bare TorchSharp step, no records.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Steps)]
    public void BareTorchSharpStep()
    {
        for (var i = 0; i < Steps; i++)
        {
            using var scope = NewDisposeScope();
            var loss = 0.5 * nn.functional.mse_loss(network.Forward(x).Output, y);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
    }

    /// <summary>RepAlign's two-point trainer: the same step plus the per-epoch records (network built once per invocation).</summary>
    [Benchmark(OperationsPerInvoke = Steps)]
    public TrainResult PointSetTrainerStep() =>
        PointSetTrainer.Run(new PointSetTrainRequest { Train = new TrainSpec { Lr = 0.001, Epochs = Steps, Threads = 1 } });
}

/// <summary>
/// Sweep throughput: <see cref="Trials"/> independent two-point trials of the default network run
/// concurrently in one process (one libtorch thread each; the thread count is process-wide and every
/// trial asks for 1). Compare the time of 2 trials with that of 1: 2·t(1)/t(2) is the speed-up.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SweepThroughputBenchmarks
{
    /// <summary>Trials run at once.</summary>
    [Params(1, 2)]
    public int Trials { get; set; }

    /// <summary>Loads libtorch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        torch.set_num_threads(1);
    }

    /// <summary>Runs the trials (300 epochs each, seeds 0 … Trials−1) in parallel.</summary>
    [Benchmark]
    public double ParallelTrials()
    {
        var results = new TrainResult[Trials];
        Parallel.For(0, Trials, new ParallelOptions { MaxDegreeOfParallelism = Trials }, t =>
            results[t] = PointSetTrainer.Run(new PointSetTrainRequest { Train = new TrainSpec { Lr = 0.001, Epochs = 300, Seed = t, Threads = 1 } }));
        return results.Sum(r => r.Loss[^1]);
    }
}

/// <summary>
/// ONNX export against training for the MNIST-sized model (784 → 200 × 4 → 10, leaky ReLU, gain 0.5,
/// SGD lr 0.003, batch 64) on 10,000 seeded random images: one epoch without a checkpoint (baseline),
/// one epoch with a checkpoint (<c>every = 1</c>), and the export alone.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class MnistEpochBenchmarks
{
    private const int Images = 10_000;
    private DatasetTrainRequest request = null!;
    private RepNetwork network = null!;
    private string folder = "";

    /// <summary>libtorch threads of the run.</summary>
    [Params(1, 2)]
    public int Threads { get; set; }

    /// <summary>Builds the data and a network to export.</summary>
    [GlobalSetup]
    public void Setup()
    {
        TorchRuntime.EnsureLoaded();
        var random = new Random(1);
        var x = new float[Images * 784];
        for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 3 - 0.4);
        var y = new float[Images * 10];
        for (var i = 0; i < Images; i++) y[i * 10 + random.Next(10)] = 1f;
        folder = Directory.CreateTempSubdirectory("repalign-bench-").FullName;
        var model = new ModelSpec { Width = 200, Depth = 4, Gain = 0.5 };
        request = new DatasetTrainRequest
        {
            Model = model,
            Train = new TrainSpec { Lr = 0.003, Epochs = 1, Batch = 64, Threads = Threads },
            Data = new DataSpec { Kind = DataKind.Mnist, InputDim = 784, OutputDim = 10 },
            X = x,
            Y = y,
            Count = Images,
            InputDim = 784,
            OutputDim = 10,
            CheckpointDirectory = folder,
        };
        using var generator = new Generator(0, CPU);
        network = NetworkFactory.Create(model, 784, 10, generator);
    }

    /// <summary>Removes the checkpoints.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        network.Dispose();
        Directory.Delete(folder, recursive: true);
    }

    /// <summary>Baseline: one training epoch (157 steps) with the pair tracked, no checkpoint.</summary>
    [Benchmark(Baseline = true)]
    public DatasetTrainResult Epoch() => DatasetTrainer.Run(request);

    /// <summary>One training epoch and the checkpoint of its end.</summary>
    [Benchmark]
    public DatasetTrainResult EpochWithCheckpoint() => DatasetTrainer.Run(request with { CheckpointEpochs = [1] });

    /// <summary>The export alone: build the ONNX model of the network and write it atomically.</summary>
    [Benchmark]
    public void Export() =>
        OnnxExporter.Write(network, new CheckpointInfo(request.Model, request.Data, request.Train, 1), Path.Combine(folder, "export.onnx"));
}

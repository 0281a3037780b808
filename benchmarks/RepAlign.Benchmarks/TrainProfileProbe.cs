using System.Diagnostics;
using System.Globalization;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Benchmarks;

/// <summary>
/// <c>-- train-profile [rounds] [mnist-folder]</c>: where a training step's time goes, against what the machine allows,
/// all in one process and interleaved round by round so that every ratio compares figures taken under the same load.
/// Each round measures libtorch's SGEMM (1024³ and the step's own 64×784·784×200), a large copy's bandwidth, the
/// MNIST main job's step (784-200⁴-10, batch 64, SGD lr 0.003, 9,000 images) phase by phase in a bare loop that does
/// what the trainer does, the trainer's own step (<see cref="DatasetTrainer"/>, one epoch; also with mnist-structure's
/// Adam, lr 0.005), one checkpoint export, and
/// the same for the default two-point step (20×500, full batch of two points) and <see cref="PointSetTrainer"/> (a whole
/// run per epoch, and the step alone: the run less a run of no epochs); each
/// trainer on the fast path and on the autograd reference (<see cref="StepPath"/>), back to back.
/// Prints medians over the rounds. One libtorch thread, as the pipelines train.
/// </summary>
internal static class TrainProfileProbe
{
    private static readonly ModelSpec Mnist = new() { Width = 200, Depth = 4, Gain = 0.5 };
    private static readonly TrainSpec MnistTrain = new() { Lr = 0.003, Batch = 64, Epochs = 1, Threads = 1 };
    private static readonly TrainSpec TwoPointTrain = new() { Lr = 0.005, Epochs = 200, Threads = 1 };

    public static int Run(string[] args)
    {
        var rounds = ProbeArgs.Int(args, 0, 5);
        var folder = args.Length > 1 ? args[1] : "data/mnist-10k";
        TorchRuntime.EnsureLoaded();
        TorchRuntime.UseThreads(1);
        var data = MnistDataset.Load(folder, MnistSplit.Train, MnistNormalization.Mnist).Subset(Enumerable.Range(0, 9000).ToArray());
        using var scratch = ProbeArgs.Folder("train-profile");
        Console.WriteLine($"train-profile: {rounds} rounds, {MachineLimits.Load()}, libtorch threads {get_num_threads()}");

        var results = new Dictionary<string, List<double>>();
        void Add(string key, double value)
        {
            if (!results.TryGetValue(key, out var list)) results[key] = list = [];
            list.Add(value);
        }
        void AddBoth(string key, (double Wall, double Cpu) value)
        {
            Add(key, value.Wall);
            Add(key + " [cpu]", value.Cpu);
        }
        void AddMs(string key, Elapsed perStep) => AddBoth(key, (1000 * perStep.Wall, 1000 * perStep.Cpu));
        for (var round = 0; round < rounds; round++)
        {
            AddBoth("gemm 1024³ 1 thread (GFLOP/s)", MachineLimits.Gemm(1024, 1024, 1024, 3));
            AddBoth("gemm 64×784·784×200 1 thread (GFLOP/s)", MachineLimits.Gemm(64, 784, 200, 3));
            AddBoth("copy 256 MB (GB/s)", MachineLimits.CopyBandwidth(256, 5));
            AddBoth("copy 19 MB (GB/s)", MachineLimits.CopyBandwidth(19, 9));
            var mnist = BareStep.Mnist(data, MnistTrain);
            for (var i = 0; i < mnist.Names.Count; i++) Add($"mnist bare: {mnist.Names[i]} (ms)", mnist.MsPerStep()[i]);
            AddMs("mnist gemm-only step (ms)", BareStep.MnistGemmOnly(MnistTrain.Batch, 141));
            AddMs("mnist trainer step, reference (ms)", MnistTrainerStep(data, StepPath.Reference));
            AddMs("mnist trainer step, fast (ms)", MnistTrainerStep(data, StepPath.Fast));
            AddMs("mnist trainer step, fast, 2 lanes (ms)", MnistTrainerStep(data, StepPath.Fast, threads: 2));
            AddMs("mnist adam trainer step, reference (ms)", MnistTrainerStep(data, StepPath.Reference, OptimizerKind.Adam));
            AddMs("mnist adam trainer step, fast (ms)", MnistTrainerStep(data, StepPath.Fast, OptimizerKind.Adam));
            Add("mnist export (ms)", ExportMs(scratch.Path));
            var two = BareStep.TwoPoint(TwoPointTrain, 100);
            for (var i = 0; i < two.Names.Count; i++) Add($"two-point bare: {two.Names[i]} (ms)", two.MsPerStep()[i]);
            AddMs("two-point trainer step, reference (ms)", TwoPointTrainerStep(StepPath.Reference));
            AddMs("two-point trainer step, fast (ms)", TwoPointTrainerStep(StepPath.Fast));
            AddMs("two-point step less set-up, reference (ms)", TwoPointMarginalStep(StepPath.Reference));
            AddMs("two-point step less set-up, fast (ms)", TwoPointMarginalStep(StepPath.Fast));
            Console.WriteLine($"round {round + 1}: {MachineLimits.Load()}");
        }
        // The two lanes' own limit, libtorch's GEMM on both cores, after every round: libtorch's second thread, once
        // started, could take time from the steps measured after it.
        TorchRuntime.UseThreads(2);
        for (var round = 0; round < rounds; round++)
        {
            AddBoth("gemm 1024³ 2 threads (GFLOP/s)", MachineLimits.Gemm(1024, 1024, 1024, 3));
            AddBoth("gemm 64×784·784×200 2 threads (GFLOP/s)", MachineLimits.Gemm(64, 784, 200, 3));
        }
        TorchRuntime.UseThreads(1);

        var inv = CultureInfo.InvariantCulture;
        foreach (var (key, values) in results)
            Console.WriteLine(string.Create(inv, $"{key,-54} {ProbeArgs.Median(values),10:F3}   [{string.Join(", ", values.Select(v => v.ToString("F3", inv)))}]"));
        foreach (var clock in new[] { "", " [cpu]" })
        {
            double M(string key) => ProbeArgs.Median(results[key + clock]);
            Console.WriteLine(clock.Length == 0 ? "— by wall time:" : "— by CPU time of the training thread:");
            var mnistFlops = BareStep.MnistStepFlops(MnistTrain.Batch);
            var bytes = BareStep.TwoPointStepBytes();
            var floor = bytes / (M("copy 256 MB (GB/s)") * 1e9) * 1e3;
            var cachedFloor = bytes / (M("copy 19 MB (GB/s)") * 1e9) * 1e3;
            foreach (var path in new[] { "reference", "fast" })
            {
                var trainer = M($"mnist trainer step, {path} (ms)");
                var gflops = mnistFlops / (trainer * 1e-3) / 1e9;
                Console.WriteLine(string.Create(inv, $"mnist step, {path}: {mnistFlops / 1e6:F1} MFLOP in {trainer:F3} ms = {gflops:F1} GFLOP/s; " +
                    $"ratio to gemm 1024³ {gflops / M("gemm 1024³ 1 thread (GFLOP/s)"):F2}, to gemm 64×784·784×200 {gflops / M("gemm 64×784·784×200 1 thread (GFLOP/s)"):F2}, " +
                    $"gemm-only step / trainer step {M("mnist gemm-only step (ms)") / trainer:F2}"));
                var twoStep = M($"two-point trainer step, {path} (ms)");
                Console.WriteLine(string.Create(inv, $"two-point step, {path}: {twoStep:F2} ms; {bytes / 1e6:F1} MB moved at least, floor {floor:F2} ms at the 256 MB copy's rate " +
                    $"(ratio {twoStep / floor:F2}), {cachedFloor:F2} ms at the 19 MB copy's (ratio {twoStep / cachedFloor:F2})"));
                var marginal = M($"two-point step less set-up, {path} (ms)");
                Console.WriteLine(string.Create(inv, $"two-point step less set-up, {path}: {marginal:F2} ms; ratio to the 256 MB copy's floor {marginal / floor:F2}, to the 19 MB copy's {marginal / cachedFloor:F2}"));
            }
            if (clock.Length == 0) // the lanes' second thread is not the training thread, whose CPU time the other clock reads
            {
                var lanes = M("mnist trainer step, fast, 2 lanes (ms)");
                var gflops = mnistFlops / (lanes * 1e-3) / 1e9;
                Console.WriteLine(string.Create(inv, $"mnist step, fast, 2 lanes: {lanes:F3} ms = {gflops:F1} GFLOP/s; ratio to gemm 1024³ (1 thread) {gflops / M("gemm 1024³ 1 thread (GFLOP/s)"):F2}, " +
                    $"to gemm 1024³ (2 threads) {gflops / M("gemm 1024³ 2 threads (GFLOP/s)"):F2}, to gemm 64×784·784×200 (2 threads) {gflops / M("gemm 64×784·784×200 2 threads (GFLOP/s)"):F2}, " +
                    $"to the fast step on 1 lane {lanes / M("mnist trainer step, fast (ms)"):F2} (median of per-round ratios {ProbeArgs.Median(results["mnist trainer step, fast, 2 lanes (ms)"].Zip(results["mnist trainer step, fast (ms)"], (t, o) => t / o)):F3})"));
            }
            Console.WriteLine(string.Create(inv, $"fast / reference, medians of per-round ratios: mnist {PairedRatio(results, "mnist trainer step", clock):F3}, " +
                $"mnist with adam {PairedRatio(results, "mnist adam trainer step", clock):F3}, two-point {PairedRatio(results, "two-point trainer step", clock):F3}"));
        }
        Console.WriteLine($"end: {MachineLimits.Load()}");
        return 0;
    }

    /// <summary>
    /// <c>-- train-run mnist|two-point [epochs] [mnist-folder] [reference|lanes]</c>: the trainer alone, for <c>dotnet-trace</c>
    /// and <c>dotnet-counters</c> to watch (MNIST: one checkpoint per epoch into a scratch folder, as the main job does);
    /// a last argument <c>reference</c> takes the autograd step, <c>lanes</c> shares the fast step between two threads.
    /// </summary>
    public static int RunTrainer(string[] args)
    {
        var path = args.Length > 0 && args[^1] == "reference" ? StepPath.Reference : StepPath.Fast;
        if (path == StepPath.Reference) args = args[..^1];
        var threads = args.Length > 0 && args[^1] == "lanes" ? 2 : 1; // the fast step shared by two threads
        if (threads == 2) args = args[..^1];
        var epochs = ProbeArgs.Int(args, 1, 10);
        TorchRuntime.EnsureLoaded();
        TorchRuntime.UseThreads(1);
        using var scratch = ProbeArgs.Folder("train-run");
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var collections = GC.CollectionCount(0);
        var watch = Stopwatch.StartNew();
        if (args.Length > 0 && args[0] == "two-point")
        {
            PointSetTrainer.Run(new PointSetTrainRequest { Train = TwoPointTrain with { Epochs = epochs }, Step = path });
            Console.WriteLine($"two-point ({path}): {epochs} epochs, {watch.Elapsed.TotalMilliseconds / (epochs + 1):F3} ms per epoch, " +
                $"{(GC.GetTotalAllocatedBytes(precise: true) - allocated) / (epochs + 1)} managed bytes allocated per epoch, {GC.CollectionCount(0) - collections} gen-0 collections, {MachineLimits.Load()}");
            return 0;
        }
        var data = MnistDataset.Load(args.Length > 2 ? args[2] : "data/mnist-10k").Subset(Enumerable.Range(0, 9000).ToArray());
        var request = MnistRequest(data, MnistTrain with { Epochs = epochs, Threads = threads }) with
        {
            CheckpointEpochs = Enumerable.Range(0, epochs + 1).ToArray(),
            CheckpointDirectory = scratch.Path,
            Step = path,
        };
        allocated = GC.GetTotalAllocatedBytes(precise: true); // the data set's arrays are not the trainer's
        var result = DatasetTrainer.Run(request);
        var steps = epochs * ((data.Count + MnistTrain.Batch - 1) / MnistTrain.Batch);
        Console.WriteLine($"mnist ({path}, {threads} thread(s)): {epochs} epochs, {1000 * result.Seconds / steps:F3} ms per step, export {result.CheckpointSeconds:F2} s on the training thread, " +
            $"{(GC.GetTotalAllocatedBytes(precise: true) - allocated) / steps} managed bytes allocated per step, {GC.CollectionCount(0) - collections} gen-0 collections, {MachineLimits.Load()}");
        return 0;
    }

    private static DatasetTrainRequest MnistRequest(MnistDataset data, TrainSpec train) => new()
    {
        Model = Mnist,
        Train = train,
        Data = new DataSpec { Kind = DataKind.Mnist, InputDim = 784, OutputDim = 10 },
        X = data.Images,
        Y = data.OneHotTargets(),
        Count = data.Count,
        InputDim = 784,
        OutputDim = 10,
    };

    /// <summary>The median over rounds of the fast path's time over the reference's, each pair measured back to back.</summary>
    private static double PairedRatio(Dictionary<string, List<double>> results, string key, string clock) =>
        ProbeArgs.Median(results[key + ", fast (ms)" + clock].Zip(results[key + ", reference (ms)" + clock], (f, r) => f / r));

    /// <summary>Seconds per step of <see cref="DatasetTrainer"/> over one epoch (141 steps), no checkpoint; <paramref name="threads"/> 2 shares each step between two lanes.</summary>
    private static Elapsed MnistTrainerStep(MnistDataset data, StepPath path, OptimizerKind optimizer = OptimizerKind.Sgd, int threads = 1)
    {
        var train = optimizer == OptimizerKind.Adam ? MnistTrain with { Optimizer = optimizer, Lr = 0.005 } : MnistTrain with { Threads = threads }; // mnist-structure's Adam
        var request = MnistRequest(data, train) with { Step = path };
        var steps = (data.Count + MnistTrain.Batch - 1) / MnistTrain.Batch;
        var start = Elapsed.Now();
        DatasetTrainer.Run(request);
        return Elapsed.Since(start).Per(steps);
    }

    /// <summary>Milliseconds of one MNIST-sized checkpoint export (build + atomic write), median of 5.</summary>
    private static double ExportMs(string folder)
    {
        using var generator = new Generator(0, CPU);
        using var network = NetworkFactory.Create(Mnist, 784, 10, generator);
        var info = new CheckpointInfo(Mnist, new DataSpec { Kind = DataKind.Mnist }, MnistTrain, 0);
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            OnnxExporter.Write(network, info, Path.Combine(folder, "export.onnx"));
            times.Add(watch.Elapsed.TotalMilliseconds);
        }
        return ProbeArgs.Median(times);
    }

    /// <summary>Seconds per epoch of <see cref="PointSetTrainer"/> (default two-point network and records).</summary>
    /// <summary>A whole two-point run of <see cref="TwoPointTrain"/>'s epochs, per epoch: the steps, the records and the run's set-up.</summary>
    private static Elapsed TwoPointTrainerStep(StepPath path) => TwoPointRun(path, TwoPointTrain.Epochs).Per(TwoPointTrain.Epochs + 1);

    /// <summary>
    /// The step alone: the same run less a run of no epochs (set-up, the network's initialisation, one forward pass and
    /// record, the kernels' checks), per epoch.
    /// </summary>
    private static Elapsed TwoPointMarginalStep(StepPath path)
    {
        var setUp = TwoPointRun(path, 0);
        var run = TwoPointRun(path, TwoPointTrain.Epochs);
        return new Elapsed(run.Wall - setUp.Wall, run.Cpu - setUp.Cpu).Per(TwoPointTrain.Epochs);
    }

    private static Elapsed TwoPointRun(StepPath path, int epochs)
    {
        var start = Elapsed.Now();
        PointSetTrainer.Run(new PointSetTrainRequest { Train = TwoPointTrain with { Epochs = epochs }, Step = path });
        return Elapsed.Since(start);
    }
}

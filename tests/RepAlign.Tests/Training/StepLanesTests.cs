using System.Runtime.InteropServices;
using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Loop;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training;

/// <summary>
/// The fast step in lanes (<see cref="FmaLayer"/>, <see cref="StepLanes"/>): one lane (train.threads = 1) and two
/// (train.threads = 2) give the same losses and checkpoint files bit for bit, within float32 rounding of the autograd
/// reference's (libtorch sums in another order), and the lanes fork, join and fail as they should. Seeds come from
/// REPALIGN_TEST_SEED when set.
/// </summary>
public class StepLanesTests(ITestOutputHelper output)
{
    private readonly int seed = int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : 17;

    [Theory]
    [InlineData(LossKind.HalfMse, Activation.LeakyRelu, true)]
    [InlineData(LossKind.Mse, Activation.None, false)]
    public void Dataset_training_in_one_lane_and_in_two_is_bit_identical_and_near_the_reference(LossKind loss, Activation activation, bool bias)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var request = FastStepTests.BlobRequest(new ModelSpec { Width = 64, Depth = 3, Activation = activation, Bias = bias, Gain = 0.8 },
            new TrainSpec { Loss = loss, Lr = 0.05, Epochs = 5, Batch = 32, Seed = seed, Threads = 2 }, // batches of 32 and a last of 20
            n: 84, features: 96, classes: 10, checkpoints: [0, 2, 5]);
        using var twoDir = new ScratchFolder();
        using var oneDir = new ScratchFolder();
        using var referenceDir = new ScratchFolder();
        var two = DatasetTrainer.Run(request with { CheckpointDirectory = twoDir.Path });
        var one = DatasetTrainer.Run(request with { CheckpointDirectory = oneDir.Path, Train = request.Train with { Threads = 1 } });
        var reference = DatasetTrainer.Run(request with { CheckpointDirectory = referenceDir.Path, Step = StepPath.Reference, Train = request.Train with { Threads = 1 } });
        Assert.True(two.EpochLoss[^1] < two.EpochLoss[0], $"loss {two.EpochLoss[0]} → {two.EpochLoss[^1]}: the step did not train");
        Assert.Equal(one.EpochLoss, two.EpochLoss); // exact
        Assert.Equal(3, two.Checkpoints.Count);
        foreach (var (o, t) in one.Checkpoints.Zip(two.Checkpoints)) // the files differ in train.threads, which they record
            Assert.Equal(Weights(o.Path), Weights(t.Path));
        var lossGap = reference.EpochLoss.Zip(two.EpochLoss, (r, l) => Math.Abs(r - l) / Math.Abs(r)).Max();
        var weightGap = reference.Checkpoints.Zip(two.Checkpoints, (r, l) => RelativeGap(Weights(r.Path), Weights(l.Path))).Max();
        output.WriteLine($"against the reference: loss {lossGap:G3}, weights {weightGap:G3} (largest difference / largest magnitude)");
        Assert.InRange(lossGap, 0, 1e-5);
        Assert.InRange(weightGap, 0, 1e-5);
        Assert.True(weightGap > 0, "bit-identical to libtorch's BLAS is unexpected: are the lanes running?");
    }

    /// <summary>Every initializer of an ONNX checkpoint (the network's parameters), by name, as its raw bytes in hex.</summary>
    private static SortedDictionary<string, string> Weights(string path)
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));
        var weights = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var t in model.Graph.Initializer) weights[t.Name] = Convert.ToHexString(t.RawData.Span);
        Assert.NotEmpty(weights);
        return weights;
    }

    /// <summary>The largest |a − b| over every parameter, divided by the largest |a|.</summary>
    private static double RelativeGap(SortedDictionary<string, string> a, SortedDictionary<string, string> b)
    {
        Assert.Equal(a.Keys, b.Keys);
        double gap = 0, scale = 0;
        foreach (var name in a.Keys)
        {
            var x = MemoryMarshal.Cast<byte, float>(Convert.FromHexString(a[name]));
            var y = MemoryMarshal.Cast<byte, float>(Convert.FromHexString(b[name]));
            Assert.Equal(x.Length, y.Length);
            for (var i = 0; i < x.Length; i++)
            {
                gap = Math.Max(gap, Math.Abs(x[i] - y[i]));
                scale = Math.Max(scale, Math.Abs(x[i]));
            }
        }
        return gap / scale;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_batch_of_more_than_two_rows_takes_the_lanes(int threads)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        var x = randn([84, 96], generator: generator); // (rows, inputs)
        var y = randn([84, 10], generator: generator); // (rows, outputs)
        var train = new TrainSpec { Lr = 0.02, Batch = 32, Threads = threads, Seed = seed };
        using var lanes = new TrainingSession(new ModelSpec { Width = 64, Depth = 3, Gain = 0.7 }, train, 96, 10);
        var loss = lanes.Epoch(x, y, train.Batch, default); // batches of 32 and a last of 20
        Assert.True(double.IsFinite(loss));
        Assert.Equal((8, threads), lanes.LaneShapes); // 4 layers × 2 batch sizes
    }

    [Fact]
    public void Adam_and_relu_keep_libtorchs_operations()
    {
        using var adam = new TrainingSession(new ModelSpec { Width = 8, Depth = 2 }, new TrainSpec { Optimizer = OptimizerKind.Adam, Threads = 1 }, 5, 3);
        using var relu = new TrainingSession(new ModelSpec { Width = 8, Depth = 2, Activation = Activation.Relu }, new TrainSpec { Threads = 1 }, 5, 3);
        Assert.Equal((0, 0), adam.LaneShapes);
        Assert.Equal((0, 0), relu.LaneShapes);
        Assert.True(adam.IsFast && relu.IsFast);
    }

    [Fact]
    public void Two_lanes_run_on_two_threads_and_rethrow_the_workers_failure()
    {
        using var lanes = new StepLanes(2, steal: false); // share 1 on the worker, always
        var threads = new int[2];
        lanes.Run(lane => threads[lane] = Environment.CurrentManagedThreadId);
        Assert.Equal(Environment.CurrentManagedThreadId, threads[0]);
        Assert.NotEqual(threads[0], threads[1]);
        var failure = Assert.Throws<InvalidOperationException>(() => lanes.Run(lane =>
        {
            if (lane == 1) throw new InvalidOperationException("lane 1 failed");
        }));
        Assert.Equal("lane 1 failed", failure.Message);
        var ran = new bool[2];
        lanes.Run(lane => ran[lane] = true); // the lanes go on after a failure
        Assert.Equal([true, true], ran);
    }

    [Fact]
    public void The_caller_takes_share_one_when_the_worker_is_late_and_every_share_runs_once()
    {
        using var lanes = new StepLanes(2);
        var caller = Environment.CurrentManagedThreadId;
        var onCaller = 0L; // phases whose share 1 ran on the caller's thread
        var counts = new int[2];
        void Phase(int lane)
        {
            Interlocked.Increment(ref counts[lane]);
            if (lane == 1 && Environment.CurrentManagedThreadId == caller) onCaller++;
        }
        // Back to back, the worker polls and takes most shares 1; after a pause it sleeps, and the caller, whose share 0
        // is empty, finds share 1 not yet taken and runs it (the worker needs tens of microseconds to wake).
        var phases = 0;
        for (; phases < 2000; phases++) lanes.Run(Phase);
        for (var tries = 0; tries < 200 && onCaller == 0; tries++, phases++)
        {
            Thread.Sleep(3); // longer than the worker polls before it blocks
            lanes.Run(Phase);
        }
        Assert.Equal([phases, phases], counts); // each share exactly once per phase, whoever ran it
        Assert.True(onCaller > 0, $"the caller never took share 1 in {phases} phases");
        Assert.Equal(onCaller, lanes.StolenShares);
        output.WriteLine($"share 1 taken by the caller in {onCaller} of {phases} phases");
    }

    [Theory]
    [InlineData(1, 64, 0, 64, 64, 0)]
    [InlineData(2, 64, 0, 32, 32, 32)]
    [InlineData(2, 5, 0, 3, 3, 2)]
    [InlineData(2, 1, 0, 1, 1, 0)]
    public void Shares_cover_every_row_once(int lanes, long count, long start0, long count0, long start1, long count1)
    {
        Assert.Equal((start0, count0), StepLanes.Share(0, lanes, count));
        if (lanes == 2) Assert.Equal((start1, count1), StepLanes.Share(1, lanes, count));
    }
}

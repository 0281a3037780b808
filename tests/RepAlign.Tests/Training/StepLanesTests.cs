using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Loop;
using RepAlign.Training.Native;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training;

/// <summary>
/// The fast step on BLAS in lanes (<see cref="BlasLayer"/>, <see cref="StepLanes"/>): one lane (train.threads = 1) and
/// two (train.threads = 2) give the autograd reference's losses and checkpoint files bit for bit, each layer's share
/// equals libtorch's whole operation, and the lanes fork, join and fail as they should. Seeds come from
/// REPALIGN_TEST_SEED when set.
/// </summary>
public class StepLanesTests(ITestOutputHelper output)
{
    private readonly int seed = int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : 17;

    [Theory]
    [InlineData(2, LossKind.HalfMse, Activation.LeakyRelu, true)]
    [InlineData(2, LossKind.Mse, Activation.None, false)]
    [InlineData(1, LossKind.HalfMse, Activation.LeakyRelu, false)]
    public void Dataset_training_in_lanes_is_bit_identical_to_the_reference(int threads, LossKind loss, Activation activation, bool bias)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        // Shapes whose shares BLAS rounds as the whole here (Every_layer_takes_the_lanes… counts them for this network).
        var request = FastStepTests.BlobRequest(new ModelSpec { Width = 64, Depth = 3, Activation = activation, Bias = bias, Gain = 0.8 },
            new TrainSpec { Loss = loss, Lr = 0.05, Epochs = 5, Batch = 32, Seed = seed, Threads = threads }, // batches of 32 and a last of 20
            n: 84, features: 96, classes: 10, checkpoints: [0, 2, 5]);
        using var lanesDir = new ScratchFolder();
        using var referenceDir = new ScratchFolder();
        var lanes = DatasetTrainer.Run(request with { CheckpointDirectory = lanesDir.Path });
        var reference = DatasetTrainer.Run(request with { CheckpointDirectory = referenceDir.Path, Step = StepPath.Reference, Train = request.Train with { Threads = 1 } });
        Assert.True(lanes.EpochLoss[^1] < lanes.EpochLoss[0], $"loss {lanes.EpochLoss[0]} → {lanes.EpochLoss[^1]}: the step did not train");
        Assert.Equal(reference.EpochLoss, lanes.EpochLoss); // exact
        Assert.Equal(3, lanes.Checkpoints.Count);
        foreach (var (r, l) in reference.Checkpoints.Zip(lanes.Checkpoints)) // the files differ in train.threads, which they record
            Assert.Equal(Weights(r.Path), Weights(l.Path));
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

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Every_layer_takes_the_lanes_and_the_weights_are_the_references(int threads)
    {
        // The main job's shapes in small: BLAS rounds these halves as it rounds the whole on this machine (not every small
        // shape's: KernelAgreement.Shares decides, and a layer where it says no keeps libtorch's operations).
        var lanes = TrainLikeTheReference(new ModelSpec { Width = 64, Depth = 3, Gain = 0.7 }, new TrainSpec { Lr = 0.02, Batch = 32, Threads = threads },
            rows: 84, inputs: 96, outputs: 10); // batches of 32 and a last of 20
        Assert.Equal((8, threads), lanes); // 4 layers × 2 batch sizes
    }

    [Fact]
    public void A_shape_whose_halves_round_otherwise_keeps_libtorchs_operations()
    {
        // Small shapes: here BLAS rounds the halves of some of them (3 of 6 rows; 3 of 6 outputs) otherwise than the whole.
        var lanes = TrainLikeTheReference(new ModelSpec { Width = 20, Depth = 3, Gain = 0.7 }, new TrainSpec { Lr = 0.1, Batch = 16, Threads = 2 },
            rows: 70, inputs: 30, outputs: 6); // batches of 16 and a last of 6
        Assert.InRange(lanes.Shapes, 0, 7); // of 8 (4 layers × 2 batch sizes)
    }

    /// <summary>
    /// Three epochs of <paramref name="model"/> on seeded random data, in lanes as <paramref name="train"/> asks and by
    /// the autograd reference on one thread: every loss and parameter equal. Returns the lanes' <see cref="TrainingSession.LaneShapes"/>.
    /// </summary>
    private (int Shapes, int Lanes) TrainLikeTheReference(ModelSpec model, TrainSpec train, int rows, int inputs, int outputs)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        train = train with { Seed = seed };
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        var x = randn([rows, inputs], generator: generator); // (rows, inputs)
        var y = randn([rows, outputs], generator: generator); // (rows, outputs)
        using var lanes = new TrainingSession(model, train, inputs, outputs);
        using var reference = new TrainingSession(model, train with { Threads = 1 }, inputs, outputs, StepPath.Reference);
        for (var epoch = 0; epoch < 3; epoch++)
            Assert.Equal(reference.Epoch(x, y, train.Batch, default), lanes.Epoch(x, y, train.Batch, default)); // exact
        foreach (var (l, r) in lanes.Network.parameters().Zip(reference.Network.parameters()))
            Assert.True(l.bytes.SequenceEqual(r.bytes), "a parameter differs from the reference's");
        return lanes.LaneShapes;
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

    [Theory]
    [InlineData(64, 200, 784, true, true, 2)]
    [InlineData(40, 10, 200, true, false, 2)]
    [InlineData(64, 200, 200, false, true, 1)]
    [InlineData(7, 13, 5, false, true, 1)]
    public void The_main_jobs_shares_round_as_libtorchs_operations(long rows, long outputs, long inputs, bool bias, bool leaky, int lanes)
    {
        Assert.True(Blas.Available, "libtorch's sgemm_ was not found");
        Assert.True(KernelAgreement.Shares(rows, outputs, inputs, bias, leaky ? 0.01f : null, -0.003f, lanes));
    }

    [Fact]
    public unsafe void The_update_check_sees_a_different_learning_rate()
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed, CPU);
        var delta = randn([9, 6], generator: generator); // (rows, out)
        var input = randn([9, 11], generator: generator); // (rows, in)
        var weight = randn([6, 11], generator: generator); // (out, in)
        using var lr = (-0.05).ToScalar();
        var expected = weight.clone().add_(empty([6, 11]).addmm_(delta.t(), input, 0f, 1f), lr);
        foreach (var (negativeLr, equal) in new[] { (-0.05f, true), (-0.0500001f, false) })
        {
            var actual = weight.clone();
            var gradient = empty([6, 11]);
            for (var lane = 0; lane < 2; lane++)
            {
                var (start, count) = StepLanes.Share(lane, 2, 6);
                BlasLayer.Update(FloatSpans.Address(delta), FloatSpans.Address(input), FloatSpans.Address(gradient), FloatSpans.Address(actual), (int)start, (int)count, 9, 6, 11, negativeLr);
            }
            Assert.Equal(equal, expected.bytes.SequenceEqual(actual.bytes));
        }
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

    [Fact]
    public void A_lane_runs_its_blas_on_one_thread_and_puts_the_callers_setting_back()
    {
        var seen = new int[3];
        var thread = new Thread(() =>
        {
            seen[0] = Blas.ThreadsHere;
            var previous = Blas.OneThreadHere();
            seen[1] = Blas.ThreadsHere;
            Blas.RestoreThreadsHere(previous);
            seen[2] = Blas.ThreadsHere;
        });
        thread.Start();
        thread.Join();
        Assert.Equal(1, seen[1]);
        Assert.Equal(seen[0], seen[2]);
    }
}

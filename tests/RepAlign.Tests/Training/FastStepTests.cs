using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Loop;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training;

/// <summary>
/// The fast training step (<see cref="MlpBackprop"/>) against the autograd reference (<see cref="StepPath.Reference"/>):
/// the same request gives bit-identical losses, online records and checkpoint files, for every optimiser, loss,
/// activation the fast path takes, with and without biases, full and mini-batches (a short last batch included).
/// Seeds come from REPALIGN_TEST_SEED when set.
/// </summary>
public class FastStepTests(ITestOutputHelper output)
{
    private readonly int seed = int.TryParse(Environment.GetEnvironmentVariable("REPALIGN_TEST_SEED"), out var s) ? s : 11;

    public static TheoryData<OptimizerKind, LossKind, Activation, bool> Settings() => new()
    {
        { OptimizerKind.Sgd, LossKind.HalfMse, Activation.LeakyRelu, true },
        { OptimizerKind.Sgd, LossKind.Mse, Activation.Relu, true },
        { OptimizerKind.Sgd, LossKind.HalfMse, Activation.None, false },
        { OptimizerKind.Adam, LossKind.HalfMse, Activation.LeakyRelu, false },
        { OptimizerKind.Adam, LossKind.Mse, Activation.Relu, true },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void Dataset_training_is_bit_identical_to_the_reference(OptimizerKind optimizer, LossKind loss, Activation activation, bool bias)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var request = BlobRequest(new ModelSpec { Width = 12, Depth = 3, Activation = activation, Bias = bias, Gain = 0.8 },
            new TrainSpec { Optimizer = optimizer, Loss = loss, Lr = optimizer == OptimizerKind.Adam ? 0.01 : 0.2, Epochs = 6,
                Batch = MlpBackprop.LanesTake(optimizer == OptimizerKind.Sgd, activation) ? 2 : 5, Seed = seed, Threads = 1 }, // the lanes sum in their own order (StepLanesTests): rows of two here
            n: 23, features: 7, classes: 3, checkpoints: [0, 3, 6]);
        using var fastDir = new ScratchFolder();
        using var referenceDir = new ScratchFolder();
        var fast = DatasetTrainer.Run(request with { CheckpointDirectory = fastDir.Path });
        var reference = DatasetTrainer.Run(request with { CheckpointDirectory = referenceDir.Path, Step = StepPath.Reference });
        Assert.Equal(6, fast.EpochLoss.Length);
        Assert.True(fast.EpochLoss[^1] < fast.EpochLoss[0], $"loss {fast.EpochLoss[0]} → {fast.EpochLoss[^1]}: the step did not train");
        Assert.Equal(reference.EpochLoss, fast.EpochLoss); // exact
        AssertSameFiles(reference.Checkpoints, fast.Checkpoints, 3);
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd, Activation.LeakyRelu, true)]
    [InlineData(OptimizerKind.Adam, Activation.Relu, false)]
    public void Point_set_training_is_bit_identical_to_the_reference(OptimizerKind optimizer, Activation activation, bool bias)
    {
        output.WriteLine($"seed {seed} (REPALIGN_TEST_SEED)");
        var request = new PointSetTrainRequest
        {
            Model = new ModelSpec { Width = 24, Depth = 5, Activation = activation, Bias = bias },
            Train = new TrainSpec { Optimizer = optimizer, Lr = optimizer == OptimizerKind.Adam ? 0.002 : 0.05, Epochs = 40, Seed = seed, Threads = 1 },
            TrackLayers = [0, 2, 4],
            CheckpointEpochs = [0, 40],
        };
        using var fastDir = new ScratchFolder();
        using var referenceDir = new ScratchFolder();
        var fast = PointSetTrainer.Run(request with { CheckpointDirectory = fastDir.Path });
        var reference = PointSetTrainer.Run(request with { CheckpointDirectory = referenceDir.Path, Step = StepPath.Reference });
        Assert.Equal(41, fast.Loss.Length);
        Assert.True(fast.Loss[^1] < fast.Loss[0], $"loss {fast.Loss[0]} → {fast.Loss[^1]}: the step did not train");
        Assert.Equal(reference.Loss, fast.Loss);
        Assert.Equal(41 * 3, fast.Online.Count);
        Assert.Equal(reference.Online, fast.Online);
        AssertSameFiles(reference.Checkpoints, fast.Checkpoints, 2);
    }

    [Theory]
    [InlineData(ModelKind.Mlp, Activation.LeakyRelu, 16, true)]
    [InlineData(ModelKind.Mlp, Activation.None, 16, true)]
    [InlineData(ModelKind.Mlp, Activation.Tanh, 16, false)]
    [InlineData(ModelKind.Mlp, Activation.LeakyRelu, 1, false)]
    [InlineData(ModelKind.Resnet, Activation.LeakyRelu, 16, false)]
    [InlineData(ModelKind.Dropout, Activation.LeakyRelu, 16, false)]
    [InlineData(ModelKind.Cnn, Activation.LeakyRelu, 41, false)]
    public void Fast_path_is_taken_exactly_where_it_is_supported(ModelKind kind, Activation activation, int width, bool fast)
    {
        var model = new ModelSpec { Kind = kind, Activation = activation, Width = width, Depth = 2 };
        using var session = new TrainingSession(model, new TrainSpec(), 1, 1);
        Assert.Equal(fast, session.IsFast);
        using var reference = new TrainingSession(model, new TrainSpec(), 1, 1, StepPath.Reference);
        Assert.False(reference.IsFast);
    }

    internal static void AssertSameFiles(IReadOnlyList<CheckpointFile> expected, IReadOnlyList<CheckpointFile> actual, int count)
    {
        Assert.Equal(count, actual.Count);
        Assert.Equal(expected.Select(c => c.Epoch), actual.Select(c => c.Epoch));
        foreach (var (e, a) in expected.Zip(actual))
            Assert.True(File.ReadAllBytes(e.Path).AsSpan().SequenceEqual(File.ReadAllBytes(a.Path)), $"checkpoint of epoch {a.Epoch} differs from the reference's");
    }

    /// <summary>A dataset training of <paramref name="model"/> on <see cref="Blobs"/>, with checkpoints at <paramref name="checkpoints"/>.</summary>
    internal static DatasetTrainRequest BlobRequest(ModelSpec model, TrainSpec train, int n, int features, int classes, int[] checkpoints)
    {
        var (x, y) = Blobs(n, features, classes);
        return new DatasetTrainRequest
        {
            Model = model,
            Train = train,
            Data = new DataSpec { InputDim = features, OutputDim = classes },
            X = x,
            Y = y,
            Count = n,
            InputDim = features,
            OutputDim = classes,
            CheckpointEpochs = checkpoints,
        };
    }

    /// <summary>Seeded blobs: class i % classes, features near 1 where feature % classes is the class.</summary>
    private static (float[] X, float[] Y) Blobs(int n, int features, int classes)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5, CPU);
        var noise = randn([n, features], generator: generator).data<float>().ToArray(); // (n, features)
        var x = new float[n * features];
        var y = new float[n * classes];
        for (var i = 0; i < n; i++)
        {
            for (var f = 0; f < features; f++) x[i * features + f] = (f % classes == i % classes ? 1f : 0f) + 0.5f * noise[i * features + f];
            y[i * classes + i % classes] = 1f;
        }
        return (x, y);
    }
}

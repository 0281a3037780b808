using RepAlign.Core;
using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Training;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;

namespace RepAlign.Tests.Training;

public class DatasetTrainerTests
{
    private const int Classes = 3;
    private const int Features = 6;

    /// <summary>Three seeded Gaussian blobs in 6-D with one-hot targets (a small classification set).</summary>
    private static DatasetTrainRequest Blobs(ModelKind kind = ModelKind.Mlp, int n = 240, int epochs = 15, int batch = 16, double lr = 0.1, int seed = 3)
    {
        var random = new Random(17);
        var x = new float[n * Features];
        var y = new float[n * Classes];
        for (var i = 0; i < n; i++)
        {
            var label = i % Classes;
            for (var f = 0; f < Features; f++)
                x[i * Features + f] = (float)((f % Classes == label ? 1.5 : 0.0) + 0.5 * Gaussian(random));
            y[i * Classes + label] = 1f;
        }
        return new DatasetTrainRequest
        {
            Model = SmallModel(kind),
            Train = new TrainSpec { Lr = lr, Epochs = epochs, Batch = batch, Seed = seed, Threads = 1 },
            Data = new DataSpec { InputDim = Features, OutputDim = Classes }, // provenance only: synthetic blobs
            X = x,
            Y = y,
            Count = n,
            InputDim = Features,
            OutputDim = Classes,
        };
    }

    private static double Gaussian(Random random) => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    [Fact]
    public void Loss_decreases_on_a_small_classification_set()
    {
        var request = Blobs(epochs: 20);
        var result = DatasetTrainer.Run(request);
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.Equal(20, result.EpochLoss.Length);
        Assert.True(result.EpochLoss[^1] < 0.5 * result.EpochLoss[0], $"loss {result.EpochLoss[0]} → {result.EpochLoss[^1]}");
    }

    [Fact]
    public void Same_request_gives_bit_identical_records_and_checkpoints()
    {
        using var dirA = new ScratchFolder();
        using var dirB = new ScratchFolder();
        var request = Blobs(ModelKind.Dropout, epochs: 4) with { CheckpointEpochs = [4] };
        var a = DatasetTrainer.Run(request with { CheckpointDirectory = dirA.Path });
        var b = DatasetTrainer.Run(request with { CheckpointDirectory = dirB.Path });
        Assert.Equal(a.EpochLoss, b.EpochLoss);
        Assert.Equal(File.ReadAllBytes(a.Checkpoints[0].Path), File.ReadAllBytes(b.Checkpoints[0].Path));
        var other = DatasetTrainer.Run(request with { Train = request.Train with { Seed = 4 }, CheckpointEpochs = [] });
        Assert.NotEqual(a.EpochLoss, other.EpochLoss);
    }

    [Fact]
    public void Full_batch_and_adam_train()
    {
        var full = DatasetTrainer.Run(Blobs(epochs: 30, batch: 0, lr: 0.5));
        Assert.True(full.EpochLoss[^1] < 0.5 * full.EpochLoss[0], $"full batch: {full.EpochLoss[0]} → {full.EpochLoss[^1]}");
        var adam = DatasetTrainer.Run(Blobs(epochs: 5, lr: 0.01) with { Train = Blobs().Train with { Optimizer = OptimizerKind.Adam, Lr = 0.01, Epochs = 5 } });
        Assert.True(adam.EpochLoss[^1] < 0.5 * adam.EpochLoss[0], $"adam: {adam.EpochLoss[0]} → {adam.EpochLoss[^1]}");
    }

    [Fact]
    public void Huge_learning_rate_diverges_with_the_epoch()
    {
        var result = DatasetTrainer.Run(Blobs(epochs: 20, lr: 1e8));
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.Equal(result.DivergedEpoch, result.EpochLoss.Length);
        Assert.Contains($"epoch {result.DivergedEpoch}", result.Message);
        Assert.Contains("smaller learning rate", result.Message);
    }

    [Fact]
    public void Progress_and_cancellation()
    {
        var reported = new List<int>();
        DatasetTrainer.Run(Blobs(epochs: 3), new SyncProgress(reported.Add));
        Assert.Equal([1, 2, 3], reported);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => DatasetTrainer.Run(Blobs(), null, cts.Token));
    }

    [Fact]
    public void Bad_requests_name_the_field()
    {
        static string Reject(DatasetTrainRequest r) => Assert.Throws<BadInputException>(() => DatasetTrainer.Run(r)).Message;
        var ok = Blobs();
        Assert.Contains("data inputs", Reject(ok with { X = new float[10] }));
        Assert.Contains("data targets", Reject(ok with { Y = new float[10] }));
        Assert.Contains("model.width", Reject(ok with { Model = ok.Model with { Kind = ModelKind.Cnn, Width = 20 } }));
        Assert.Contains("checkpoint", Reject(ok with { CheckpointEpochs = [1] }));
        Assert.Contains("train.batch", Reject(ok with { Train = ok.Train with { Batch = -1 } }));
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}

using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Training;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;

namespace RepAlign.Tests.Training;

public class PointSetTrainerTests
{
    [Fact]
    public void Trains_and_the_loss_decreases()
    {
        var result = PointSetTrainer.Run(Tiny(epochs: 200));
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.Equal(201, result.Loss.Length);
        Assert.Equal(201 * 3, result.Online.Count);
        Assert.True(result.Loss[^1] < 0.1 * result.Loss[0], $"loss {result.Loss[0]} → {result.Loss[^1]}");
        Assert.Equal(-1, result.DivergedEpoch);
        Assert.Equal("", result.Message);
    }

    [Fact]
    public void Loss_equals_the_theory_decomposition_every_epoch()
    {
        // L = ¼ [2 ‖ȳ − ȳ*‖² + w + ½ (dy2 − y2)] holds exactly for 0.5·MSE over two points with d_out = 1.
        var request = Tiny(epochs: 60);
        var result = PointSetTrainer.Run(request);
        var layer = request.TrackLayers[0];
        foreach (var row in result.Online.Where(r => r.Layer == layer))
        {
            var predicted = 0.25 * (2 * row.Ybar0 + row.W + 0.5 * (request.Data.Dy2 - row.Y2));
            Assert.True(Close(result.Loss[row.Epoch], predicted, 1e-5, 1e-7), $"epoch {row.Epoch}: {result.Loss[row.Epoch]} vs {predicted}");
        }
    }

    [Fact]
    public void Same_seed_gives_identical_records_and_checkpoints()
    {
        using var dirA = new ScratchFolder();
        using var dirB = new ScratchFolder();
        var request = Tiny(epochs: 30) with { CheckpointEpochs = [0, 30] };
        var a = PointSetTrainer.Run(request with { CheckpointDirectory = dirA.Path });
        var b = PointSetTrainer.Run(request with { CheckpointDirectory = dirB.Path });
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.Online, b.Online);
        for (var i = 0; i < a.Checkpoints.Count; i++)
            Assert.Equal(File.ReadAllBytes(a.Checkpoints[i].Path), File.ReadAllBytes(b.Checkpoints[i].Path));

        var other = PointSetTrainer.Run(Tiny(epochs: 30, seed: 8));
        Assert.NotEqual(a.Loss[0], other.Loss[0]);
    }

    [Fact]
    public void Mini_batch_training_is_seeded_and_learns()
    {
        var request = Tiny(epochs: 80) with { Train = Tiny().Train with { Batch = 1, Epochs = 80, Lr = 0.02 } };
        var a = PointSetTrainer.Run(request);
        var b = PointSetTrainer.Run(request);
        Assert.Equal(a.Loss, b.Loss);
        Assert.True(a.Loss[^1] < a.Loss[0]);
    }

    [Fact]
    public void Adam_trains()
    {
        var request = Tiny(epochs: 60) with { Train = Tiny().Train with { Optimizer = OptimizerKind.Adam, Lr = 1e-3, Epochs = 60 } };
        var result = PointSetTrainer.Run(request);
        Assert.True(result.Loss[^1] < 0.5 * result.Loss[0]);
    }

    [Fact]
    public void Huge_learning_rate_diverges_with_the_epoch()
    {
        var result = PointSetTrainer.Run(Tiny(epochs: 200, lr: 1e6));
        Assert.Equal(TrainStatus.Diverged, result.Status);
        Assert.InRange(result.DivergedEpoch, 1, 200);
        Assert.Equal(result.DivergedEpoch, result.Loss.Length);
        Assert.All(result.Loss, l => Assert.True(double.IsFinite(l)));
        Assert.Contains($"epoch {result.DivergedEpoch}", result.Message);
        Assert.Contains("smaller learning rate", result.Message);
    }

    [Fact]
    public void Default_setting_starts_at_the_reference_loss()
    {
        // fixtures/two_point_default.json (PyTorch, 20×500 leaky ReLU, gain 1): loss 0.5172, ybar0 0.9094 at epoch 0.
        // The initial outputs of this deep net are tiny, so both values are set by the targets, whatever the weights.
        var result = PointSetTrainer.Run(new PointSetTrainRequest { Train = new TrainSpec { Lr = 0.005, Epochs = 1 } });
        Assert.Equal(0.5172, result.Loss[0], 0.002);
        Assert.Equal(0.9094, result.Online[0].Ybar0, 0.003);
        Assert.Equal([10, 10], result.Online.Select(r => r.Layer));
    }

    [Fact]
    public void Xor_tracks_all_six_pairs_and_learns()
    {
        var request = Tiny(epochs: 300, lr: 0.05) with { Data = new DataSpec { Kind = DataKind.Xor } };
        var result = PointSetTrainer.Run(request);
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.Equal(301 * 6 * request.TrackLayers.Count, result.Online.Count);
        Assert.Equal(Enumerable.Range(0, 6), result.Online.Select(r => r.Pair).Distinct().Order());
        Assert.True(result.Loss[^1] < 0.5 * result.Loss[0], $"loss {result.Loss[0]} → {result.Loss[^1]}");
    }

    [Fact]
    public void Stop_loss_ends_the_run_and_moves_the_final_checkpoint_there()
    {
        using var dir = new ScratchFolder();
        var full = PointSetTrainer.Run(Tiny(epochs: 400));
        var threshold = full.Loss[150];
        var request = Tiny(epochs: 400) with
        {
            Train = Tiny(epochs: 400).Train with { StopLoss = threshold },
            CheckpointEpochs = [0, 400],
            CheckpointDirectory = dir.Path,
        };
        var stopped = PointSetTrainer.Run(request);
        var last = stopped.Loss.Length - 1;
        Assert.Equal(TrainStatus.Completed, stopped.Status);
        Assert.Equal(Array.FindIndex(full.Loss, l => l < threshold), last);
        Assert.InRange(last, 1, 151);
        Assert.True(stopped.Loss[last] < threshold);
        Assert.All(stopped.Loss[..last], l => Assert.True(l >= threshold));
        Assert.Equal(full.Loss[..(last + 1)], stopped.Loss);
        Assert.Equal([0, last], stopped.Checkpoints.Select(c => c.Epoch));
    }

    [Fact]
    public void Progress_and_cancellation()
    {
        var reported = new List<int>();
        PointSetTrainer.Run(Tiny(epochs: 10), new SyncProgress(reported.Add));
        Assert.Equal(Enumerable.Range(1, 10), reported);

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => PointSetTrainer.Run(Tiny(epochs: 10), null, cts.Token));
    }

    [Fact]
    public void Bad_requests_name_the_field()
    {
        Assert.Contains("track.layers", Assert.Throws<BadInputException>(() => PointSetTrainer.Run(Tiny() with { TrackLayers = [4] })).Message);
        Assert.Contains("train.lr", Assert.Throws<BadInputException>(() => PointSetTrainer.Run(Tiny(lr: 0))).Message);
        Assert.Contains("checkpoint", Assert.Throws<BadInputException>(() => PointSetTrainer.Run(Tiny() with { CheckpointEpochs = [0] })).Message);
        Assert.Contains("model.width", Assert.Throws<BadInputException>(() => PointSetTrainer.Run(Tiny() with { Model = Tiny().Model with { Kind = ModelKind.Cnn } })).Message);
        Assert.Contains("train.optimizer", Assert.Throws<BadInputException>(() => PointSetTrainer.Run(Tiny() with { Train = Tiny().Train with { Optimizer = (OptimizerKind)7 } })).Message);
    }

    private sealed class SyncProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}

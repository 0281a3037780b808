using RepAlign.Core.Metrics;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Training;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;

namespace RepAlign.Tests.Training;

/// <summary>Two-point training of every model kind: seeded bit-identical runs, and online tracking equal to ONNX extraction.</summary>
public class ArchitectureTrainingTests
{
    private static PointSetTrainRequest Request(ModelKind kind, int epochs, int batch = 0) => Tiny(epochs: epochs, lr: 0.02) with
    {
        Model = SmallModel(kind),
        Train = Tiny().Train with { Epochs = epochs, Lr = 0.02, Batch = batch },
        TrackLayers = kind == ModelKind.Cnn ? [0, 1, 3] : [0, 2, 3],
    };

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(TrainingFixtures))]
    public void Same_spec_and_seed_give_bit_identical_checkpoints(ModelKind kind)
    {
        using var dirA = new ScratchFolder();
        using var dirB = new ScratchFolder();
        // Batch 1: the shuffle (and, for dropout, the masks) are part of what must repeat.
        var request = Request(kind, 12, batch: 1) with { CheckpointEpochs = [0, 12] };
        var a = PointSetTrainer.Run(request with { CheckpointDirectory = dirA.Path });
        var b = PointSetTrainer.Run(request with { CheckpointDirectory = dirB.Path });
        Assert.Equal(a.Loss, b.Loss);
        Assert.Equal(a.Online, b.Online);
        Assert.Equal(2, a.Checkpoints.Count);
        for (var i = 0; i < a.Checkpoints.Count; i++)
            Assert.Equal(File.ReadAllBytes(a.Checkpoints[i].Path), File.ReadAllBytes(b.Checkpoints[i].Path));
        Assert.NotEqual(File.ReadAllBytes(a.Checkpoints[0].Path), File.ReadAllBytes(a.Checkpoints[1].Path));
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(TrainingFixtures))]
    public void Online_tracking_equals_extraction_and_the_loss_falls(ModelKind kind)
    {
        using var dir = new ScratchFolder();
        var request = Request(kind, 60) with { CheckpointEpochs = [0, 7, 30, 60], CheckpointDirectory = dir.Path };
        var result = PointSetTrainer.Run(request);
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.True(result.Loss[^1] < 0.5 * result.Loss[0], $"{kind}: loss {result.Loss[0]} → {result.Loss[^1]}");

        AssertExtractionMatchesOnline(kind.ToString(), request, result);
    }
}

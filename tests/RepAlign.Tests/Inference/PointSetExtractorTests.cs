using RepAlign.Core.Metrics;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Training;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;

namespace RepAlign.Tests.Inference;

public class PointSetExtractorTests
{
    [Theory]
    [InlineData(Activation.LeakyRelu)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Silu)]
    public void Online_tracking_equals_extraction_at_every_checkpoint(Activation activation)
    {
        using var dir = new ScratchFolder();
        var request = Tiny(activation, epochs: 120) with
        {
            CheckpointEpochs = new CheckpointSpec { Schedule = CheckpointScheduleKind.Log, Count = 8 }.Epochs(120),
            CheckpointDirectory = dir.Path,
        };
        var result = PointSetTrainer.Run(request);
        Assert.Equal(TrainStatus.Completed, result.Status);
        Assert.Equal(request.CheckpointEpochs, result.Checkpoints.Select(c => c.Epoch));
        Assert.All(result.Checkpoints, c => Assert.True(File.Exists(c.Path)));
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp"));

        // Both engines compute float32 predictions that agree to ~1e-7 of their magnitude (see the forward
        // agreement test); the tolerance is TrainingFixtures.AssertAgree's.
        var extracted = AssertExtractionMatchesOnline(activation.ToString(), request, result);
        Assert.All(extracted, row => Assert.Equal((0, 0, 1), (row.Pair, row.A, row.B)));
    }

    [Fact]
    public void Every_xor_pair_extracted_equals_its_online_record()
    {
        using var dir = new ScratchFolder();
        var request = Tiny(epochs: 60) with { Data = new DataSpec { Kind = DataKind.Xor }, CheckpointEpochs = [0, 20, 60], CheckpointDirectory = dir.Path };
        var result = PointSetTrainer.Run(request);
        var extracted = AssertExtractionMatchesOnline("xor", request, result);
        Assert.Equal(6, extracted.Select(r => (r.A, r.B)).Distinct().Count());
    }
}

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

        var extracted = PointSetExtractor.Extract(result.Checkpoints.Select(c => (c.Epoch, c.Path)), request.Data, request.TrackLayers,
            new InferenceOptions { Threads = 1 });
        Assert.Equal(result.Checkpoints.Count * request.TrackLayers.Count, extracted.Count);
        // Both engines compute float32 predictions that agree to ~1e-7 of their magnitude (see the forward
        // agreement test). h2 is compared relatively; y2 and w are built from the difference ŷ_B − ŷ_A of two
        // nearly equal outputs, so their error is relative to the output scale S, not to their own tiny size:
        // |Δy2| ≤ 1e-5 (y2 + 2√y2 S), |Δw| ≤ 1e-5 (|w| + 2√y2 S + √dy2 S).
        var scale = 1 + RepAlign.Core.Data.PointSet.TwoPoints(request.Data).Y.Max(Math.Abs);
        var online = result.Online.ToDictionary(r => (r.Epoch, r.Layer));
        foreach (var row in extracted)
        {
            Assert.Equal((0, 0, 1), (row.Pair, row.A, row.B));
            var o = online[(row.Epoch, row.Layer)];
            AssertAgree($"epoch {row.Epoch} layer {row.Layer}", new(o.H2, o.Y2, o.W), new(row.H2, row.Y2, row.W), scale, request.Data.Dy2);
        }
    }
}

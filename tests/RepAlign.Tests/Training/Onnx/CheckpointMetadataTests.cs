using RepAlign.Core;
using RepAlign.Training;
using RepAlign.Training.Onnx;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;
using RepAlign.Core.Checkpoints;
using RepAlign.Inference.Graphs;

namespace RepAlign.Tests.Training.Onnx;

public class CheckpointMetadataTests
{
    [Fact]
    public void Metadata_round_trips_and_a_mismatched_spec_is_named()
    {
        using var dir = new ScratchFolder();
        var request = Tiny(epochs: 3) with { CheckpointEpochs = [3], CheckpointDirectory = dir.Path };
        var path = PointSetTrainer.Run(request).Checkpoints.Single().Path;
        var info = new CheckpointInfo(request.Model, request.Data, request.Train, 3);

        var metadata = CheckpointMetadata.EnsureMatches(path, info);
        Assert.Equal((3, 7), (metadata.Epoch, metadata.Seed));
        Assert.Equal(info.SpecJson, metadata.SpecJson);

        var wider = info with { Model = request.Model with { Width = 64 } };
        var message = Assert.Throws<BadInputException>(() => CheckpointMetadata.EnsureMatches(path, wider)).Message;
        Assert.Contains(path, message);
        Assert.Contains("model.width: checkpoint has 32, run has 64", message);
        var longer = info with { Train = request.Train with { Epochs = 10 } };
        Assert.Contains("train.epochs", Assert.Throws<BadInputException>(() => CheckpointMetadata.EnsureMatches(path, longer)).Message);
        CheckpointMetadata.EnsureMatches(path, longer, ["train.epochs"]);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_is_refused()
    {
        using var dir = new ScratchFolder();
        var path = Path.Combine(dir.Path, "epoch-00000.onnx");
        File.WriteAllBytes(path, [0x0a, 0x03, 0x61, 0x62]);
        Assert.Contains(path, Assert.Throws<BadInputException>(() => CheckpointMetadata.Read(path)).Message);
    }
}

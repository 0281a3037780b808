using Onnx;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Specs;
using RepAlign.Training.Loop;
using RepAlign.Training.Models;
using RepAlign.Training.Onnx;
using Xunit;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training;

/// <summary>The background checkpoint writer: every queued model lands whole under its name, and a failed write is reported.</summary>
public class CheckpointWriterTests
{
    private static ModelProto Model(int epoch)
    {
        using var generator = new Generator(3, CPU);
        using var network = NetworkFactory.Create(new ModelSpec { Width = 8, Depth = 2 }, 2, 1, generator);
        return OnnxExporter.Build(network, new CheckpointInfo(new ModelSpec { Width = 8, Depth = 2 }, new DataSpec(), new TrainSpec(), epoch));
    }

    [Fact]
    public void Writes_every_queued_checkpoint_whole()
    {
        using var folder = new ScratchFolder();
        var models = Enumerable.Range(0, 7).Select(Model).ToArray(); // more than the queue holds: Enqueue waits
        using (var writer = new CheckpointWriter())
        {
            for (var e = 0; e < models.Length; e++) writer.Enqueue(models[e], folder.File(OnnxExporter.FileName(e)));
            writer.Complete();
        }
        for (var e = 0; e < models.Length; e++)
        {
            var read = ModelProto.Parser.ParseFrom(File.ReadAllBytes(folder.File(OnnxExporter.FileName(e))));
            Assert.Equal(models[e], read);
        }
        Assert.Equal(models.Length, Directory.GetFiles(folder.Path).Length); // no temporary files left
    }

    [Fact]
    public void A_failed_write_is_rethrown_by_complete()
    {
        using var folder = new ScratchFolder();
        File.WriteAllText(folder.File("not-a-folder"), "");
        using var writer = new CheckpointWriter();
        writer.Enqueue(Model(0), Path.Combine(folder.File("not-a-folder"), "epoch-00000.onnx"));
        Assert.ThrowsAny<IOException>(writer.Complete);
    }
}

using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Training.Onnx;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;

namespace RepAlign.Tests.Training;

/// <summary>train.loss, train.shuffle and model.init: what each changes in training, and their bad input.</summary>
public class TrainingOptionsTests
{
    [Fact]
    public void Mse_is_twice_half_mse_at_the_start_and_trains_differently_after()
    {
        var half = PointSetTrainer.Run(Tiny(epochs: 20));
        var full = PointSetTrainer.Run(Tiny(epochs: 20) with { Train = Tiny().Train with { Epochs = 20, Loss = LossKind.Mse } });
        Assert.True(Close(full.Loss[0], 2 * half.Loss[0], 1e-6), $"{full.Loss[0]} vs 2 × {half.Loss[0]}");
        // Twice the loss is twice the gradient: the same weights move differently, so later records differ.
        Assert.NotEqual(half.Online[^1].H2, full.Online[^1].H2);
    }

    [Fact]
    public void Init_from_another_runs_first_checkpoint_reproduces_that_run_whatever_the_seed()
    {
        using var dir = new ScratchFolder();
        var source = Tiny(epochs: 40, seed: 3) with { CheckpointEpochs = [0], CheckpointDirectory = dir.Path };
        var original = PointSetTrainer.Run(source);
        var init = Path.Combine(dir.Path, OnnxExporter.FileName(0));
        var reseeded = Tiny(epochs: 40, seed: 99);
        var loaded = PointSetTrainer.Run(reseeded with { Model = reseeded.Model with { Init = init } });
        var fresh = PointSetTrainer.Run(reseeded);
        Assert.Equal(original.Loss, loaded.Loss);
        Assert.Equal(original.Online, loaded.Online);
        Assert.NotEqual(original.Loss[0], fresh.Loss[0]); // seed 99 alone starts elsewhere
    }

    [Fact]
    public void Init_reads_matmul_and_identity_graphs_as_torch_onnx_export_writes_them()
    {
        // A 2 → 3 → 1 network written as MatMul + Add (weights (in, out)), its equal zero biases shared through Identity nodes.
        using var dir = new ScratchFolder();
        var graph = new OnnxGraphBuilder();
        graph.Input("x", 2);
        graph.Initializer("w0", new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]); // (in, out)
        graph.Initializer("zeros", new float[] { 0, 0, 0 }, [3]);
        graph.Node("Identity", ["zeros"], "b0");
        graph.Initializer("w1", new float[] { 7, 8, 9 }, [3, 1]);
        graph.Initializer("b1", new float[] { 0.5f }, [1]);
        graph.Node("MatMul", ["x", "w0"], "m0");
        graph.Node("Add", ["m0", "b0"], "a0");
        graph.Node("Relu", ["a0"], "h0");
        graph.Node("MatMul", ["h0", "w1"], "m1");
        graph.Node("Add", ["b1", "m1"], "out");
        graph.Output("out", 1);
        var path = Path.Combine(dir.Path, "matmul.onnx");
        OnnxExporter.WriteAtomically(new global::Onnx.ModelProto { IrVersion = 8, Graph = graph.Graph }, path);

        var read = OnnxWeights.Read(path);
        Assert.Equal(4, read.Count);
        Assert.Equal([3L, 2L], read[0].Shape);
        Assert.Equal(new float[] { 1, 4, 2, 5, 3, 6 }, read[0].Values); // transposed to PyTorch's (out, in)
        Assert.Equal(new float[] { 0, 0, 0 }, read[1].Values);
        Assert.Equal(new float[] { 7, 8, 9 }, read[2].Values);
        Assert.Equal(new float[] { 0.5f }, read[3].Values);
    }

    [Fact]
    public void Init_from_another_architecture_is_bad_input_naming_the_shapes()
    {
        using var dir = new ScratchFolder();
        PointSetTrainer.Run(Tiny(epochs: 1) with { CheckpointEpochs = [0], CheckpointDirectory = dir.Path });
        var init = Path.Combine(dir.Path, OnnxExporter.FileName(0));
        var wider = Tiny(epochs: 1);
        var e = Assert.Throws<BadInputException>(() => PointSetTrainer.Run(wider with { Model = wider.Model with { Width = 33, Init = init } }));
        Assert.Contains("model.init", e.Message);
        Assert.Contains("[32, 1]", e.Message);
        Assert.Contains("expected [33, 1]", e.Message);
        var deeper = Assert.Throws<BadInputException>(() => PointSetTrainer.Run(wider with { Model = wider.Model with { Depth = 5, Init = init } }));
        Assert.Contains("found 10 weight and bias tensors", deeper.Message);
        var missing = Assert.Throws<BadInputException>(() => PointSetTrainer.Run(wider with { Model = wider.Model with { Init = init + ".nope" } }));
        Assert.Contains("file not found", missing.Message);
        File.WriteAllText(Path.Combine(dir.Path, "junk.onnx"), "not a model");
        var junk = Assert.Throws<BadInputException>(() => PointSetTrainer.Run(wider with { Model = wider.Model with { Init = Path.Combine(dir.Path, "junk.onnx") } }));
        Assert.Contains("junk.onnx", junk.Message);
    }

    [Fact]
    public void Without_shuffle_mini_batches_follow_the_data_order_and_the_seed_no_longer_matters_after_init()
    {
        // Two runs from the same initial weights but different seeds: with train.shuffle = false they see the same batches.
        using var dir = new ScratchFolder();
        var x = Enumerable.Range(0, 40 * 3).Select(i => (float)Math.Sin(i)).ToArray();
        var y = Enumerable.Range(0, 40 * 2).Select(i => (float)Math.Cos(i)).ToArray();
        DatasetTrainRequest Request(int seed, bool shuffle, string init) => new()
        {
            Model = new ModelSpec { Width = 8, Depth = 2, Init = init },
            Train = new TrainSpec { Lr = 0.05, Epochs = 3, Seed = seed, Batch = 7, Shuffle = shuffle },
            X = x, Y = y, Count = 40, InputDim = 3, OutputDim = 2,
            CheckpointEpochs = [0], CheckpointDirectory = dir.Path,
        };
        DatasetTrainer.Run(Request(1, true, ""));
        var init = Path.Combine(dir.Path, OnnxExporter.FileName(0));
        using var other = new ScratchFolder();
        var a = DatasetTrainer.Run(Request(2, false, init) with { CheckpointDirectory = other.Path });
        var b = DatasetTrainer.Run(Request(3, false, init) with { CheckpointDirectory = other.Path });
        var c = DatasetTrainer.Run(Request(2, true, init) with { CheckpointDirectory = other.Path });
        var d = DatasetTrainer.Run(Request(3, true, init) with { CheckpointDirectory = other.Path });
        Assert.Equal(a.EpochLoss, b.EpochLoss);
        Assert.NotEqual(c.EpochLoss, d.EpochLoss); // shuffled: the seed picks the order
    }
}

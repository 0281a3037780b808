using RepAlign.Core;
using RepAlign.Inference.Graphs;

namespace RepAlign.Tests.Inference.Graphs;

public class CheckpointFolderTests
{
    [Theory]
    [InlineData("epoch-003.onnx", 3)]
    [InlineData("ckpt_12.onnx", 12)]
    [InlineData("model.e7.onnx", 7)]
    [InlineData("resnet18-run2-epoch0010.ONNX", 10)]
    [InlineData("epoch-00000.onnx", 0)]
    [InlineData("model.onnx", null)]
    [InlineData("epoch-99999999999.onnx", null)]
    public void The_epoch_is_the_last_integer_of_the_name(string name, int? epoch) => Assert.Equal(epoch, CheckpointFolder.EpochOf(name));

    [Theory]
    [InlineData("epoch=3-step=423.onnx", 3, 423L, "epoch=N")]
    [InlineData("epoch=12.onnx", 12, null, "epoch=N")]
    [InlineData("model-epoch-7-loss0.25.onnx", 7, null, "epoch-N")]
    [InlineData("run2_epoch_5.onnx", 5, null, "epoch_N")]
    [InlineData("net_ep9_lr3.onnx", 9, null, "epN")]
    [InlineData("EPOCH_4-STEP_80.onnx", 4, 80L, "EPOCH_N")]
    [InlineData("step=500.onnx", null, 500L, "last number")]
    [InlineData("model-v2-step_60-of-3.onnx", 3, 60L, "last number")]
    [InlineData("ckpt_12.onnx", 12, null, "last number")]
    [InlineData("deep7.onnx", 7, null, "last number")]
    public void Epochs_and_steps_are_read_by_the_named_forms_first(string name, int? epoch, long? step, string rule)
    {
        var time = CheckpointName.Read(name);
        Assert.Equal((epoch, step, rule), (time.Epoch, time.Step, time.Rule));
    }

    [Fact]
    public void An_epoch_pattern_replaces_the_rules_and_a_bad_one_is_bad_input()
    {
        var pattern = CheckpointName.Pattern("e(?<epoch>[0-9]+)s(?<step>[0-9]+)");
        Assert.Equal((21, 7L), (CheckpointName.Read("v3_e21s7.onnx", pattern).Epoch, CheckpointName.Read("v3_e21s7.onnx", pattern).Step!.Value));
        Assert.Equal(4, CheckpointName.Read("x4y9.onnx", CheckpointName.Pattern("x([0-9]+)")).Epoch);
        Assert.Null(CheckpointName.Read("other.onnx", pattern).Epoch);
        Assert.Contains("no group", Assert.Throws<BadInputException>(() => CheckpointName.Pattern("e[0-9]+")).Message);
        Assert.Contains("not a regular expression", Assert.Throws<BadInputException>(() => CheckpointName.Pattern("e(")).Message);
    }

    [Fact]
    public void Lightning_files_of_one_epoch_need_the_step_axis()
    {
        using var scratch = new ScratchFolder();
        foreach (var name in new[] { "epoch=0-step=0.onnx", "epoch=0-step=50.onnx", "epoch=1-step=100.onnx" }) File.WriteAllBytes(scratch.File(name), []);
        var e = Assert.Throws<BadInputException>(() => CheckpointFolder.Scan(scratch.Path));
        Assert.Contains("the same epoch 0", e.Message);
        Assert.Contains("--time step", e.Message);
        var bySteps = CheckpointFolder.Scan(scratch.Path, new CheckpointNaming { Time = Core.Specs.TimeAxis.Step });
        Assert.Equal([0L, 50L, 100L], bySteps.Select(c => c.Step!.Value));
        Assert.Equal([0, 0, 1], bySteps.Select(c => c.Epoch));
        File.WriteAllBytes(scratch.File("epoch=2.onnx"), []);
        Assert.Contains("no step in its name", Assert.Throws<BadInputException>(() => CheckpointFolder.Scan(scratch.Path, new CheckpointNaming { Time = Core.Specs.TimeAxis.Step })).Message);
    }

    [Fact]
    public void Scan_orders_numerically_and_ignores_other_files()
    {
        using var scratch = new ScratchFolder();
        var bytes = ForeignMlp.Create(new ForeignStyle()).Bytes;
        foreach (var name in new[] { "ckpt_10.onnx", "ckpt_2.onnx", "ckpt_0.onnx", "ckpt_1.ONNX" }) File.WriteAllBytes(scratch.File(name), bytes);
        File.WriteAllText(scratch.File("notes_3.txt"), "not a checkpoint");
        File.WriteAllText(scratch.File("ckpt_4.onnx.data"), "external data");
        Directory.CreateDirectory(scratch.File("sub"));
        File.WriteAllBytes(scratch.File(Path.Combine("sub", "ckpt_5.onnx")), bytes);

        var checkpoints = CheckpointFolder.Scan(scratch.Path);
        Assert.Equal([0, 1, 2, 10], checkpoints.Select(c => c.Epoch));
        Assert.Equal(["ckpt_0.onnx", "ckpt_1.ONNX", "ckpt_2.onnx", "ckpt_10.onnx"], checkpoints.Select(c => Path.GetFileName(c.Path)));
        CheckpointFolder.ValidateSameArchitecture(checkpoints);
    }

    [Fact]
    public void Checkpoints_with_other_weights_but_one_architecture_are_accepted()
    {
        using var scratch = new ScratchFolder();
        for (var epoch = 0; epoch < 3; epoch++)
            ForeignMlp.Create(new ForeignStyle { MatMulAdd = true, IdentityShared = true, Seed = epoch + 1, ShuffleSeed = epoch }).Save(scratch.File($"epoch-{epoch:000}.onnx"));
        CheckpointFolder.ValidateSameArchitecture(CheckpointFolder.Scan(scratch.Path));
    }

    [Fact]
    public void A_missing_or_empty_folder_is_bad_input()
    {
        using var scratch = new ScratchFolder();
        var missing = scratch.File("absent");
        Assert.Contains("absent", Assert.Throws<BadInputException>(() => CheckpointFolder.Scan(missing)).Message);
        File.WriteAllText(scratch.File("readme.txt"), "");
        Assert.Contains("no .onnx files", Assert.Throws<BadInputException>(() => CheckpointFolder.Scan(scratch.Path)).Message);
    }

    [Fact]
    public void A_name_without_a_number_is_bad_input_naming_it()
    {
        using var scratch = new ScratchFolder();
        File.WriteAllBytes(scratch.File("epoch-1.onnx"), []);
        File.WriteAllBytes(scratch.File("final.onnx"), []);
        var e = Assert.Throws<BadInputException>(() => CheckpointFolder.Scan(scratch.Path));
        Assert.Contains("final.onnx", e.Message);
        Assert.Contains("no epoch number", e.Message);
    }

    [Fact]
    public void Two_files_of_one_epoch_are_bad_input_naming_both()
    {
        using var scratch = new ScratchFolder();
        File.WriteAllBytes(scratch.File("epoch-3.onnx"), []);
        File.WriteAllBytes(scratch.File("epoch-003.onnx"), []);
        File.WriteAllBytes(scratch.File("epoch-4.onnx"), []);
        var e = Assert.Throws<BadInputException>(() => CheckpointFolder.Scan(scratch.Path));
        Assert.Contains("epoch-3.onnx", e.Message);
        Assert.Contains("epoch-003.onnx", e.Message);
        Assert.Contains("same epoch 3", e.Message);
    }

    [Theory]
    [InlineData("width")]
    [InlineData("activation")]
    [InlineData("depth")]
    [InlineData("input")]
    public void Differing_architectures_are_bad_input_naming_the_first_differing_file(string change)
    {
        using var scratch = new ScratchFolder();
        var style = new ForeignStyle();
        var other = change switch
        {
            "width" => style with { Hidden = [8, 7] },
            "activation" => style with { Activation = ForeignActivation.Tanh },
            "depth" => style with { Hidden = [8, 6, 4] },
            _ => style with { FixedBatch = 1 },
        };
        ForeignMlp.Create(style).Save(scratch.File("ckpt_1.onnx"));
        ForeignMlp.Create(style with { Seed = 2 }).Save(scratch.File("ckpt_2.onnx"));
        ForeignMlp.Create(other).Save(scratch.File("ckpt_3.onnx"));
        ForeignMlp.Create(other).Save(scratch.File("ckpt_4.onnx"));
        var e = Assert.Throws<BadInputException>(() => CheckpointFolder.ValidateSameArchitecture(CheckpointFolder.Scan(scratch.Path)));
        Assert.Contains("ckpt_3.onnx (epoch 3)", e.Message);
        Assert.Contains("ckpt_2.onnx", e.Message);
        var expected = change switch
        {
            "width" => "where the previous checkpoint has initialiser 'fc2.weight' of type Float, shape [6, 8]",
            "activation" => "is Tanh where the previous checkpoint has Relu",
            "depth" => "where the previous checkpoint has the input 'x'",
            _ => "inputs x [1, 16] where the previous checkpoint has x [batch_size, 16]",
        };
        Assert.Contains(expected, e.Message);
    }
}

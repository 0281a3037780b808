using RepAlign.Core;
using RepAlign.Training.PyTorch;
using RepAlign.Tests.Faults;
using RepAlign.Tests.Pipelines;
using Xunit.Abstractions;

namespace RepAlign.Tests.Training.PyTorch;

/// <summary>
/// A .pt file is a pickle, and Python's pickle calls what a pickle names. Files written by Python's own pickle that
/// run code when PyTorch loads them (checked here: torch.load creates the marker file) are refused with exit 2 naming
/// the file and the refused global, and nothing runs.
/// </summary>
[Collection("pytorch weights")]
public class PickleSafetyTests(PyTorchWeightsCorpus corpus, ITestOutputHelper output)
{
    /// <summary>Writes the malicious files into <paramref name="folder"/>: each, when unpickled by Python, runs <c>touch MARKER</c>.</summary>
    private static async Task WriteMaliciousFiles(string folder, string marker)
    {
        var script = $$"""
            import os, pickle, torch
            class Evil:
                def __reduce__(self):
                    return (os.system, ("touch {{marker}}",))
            os.makedirs("{{folder}}/zip", exist_ok=True)
            torch.save({"layers.0.weight": torch.zeros(64, 784), "x": Evil()}, "{{folder}}/zip/epoch_0.pt")
            torch.save({"state_dict": {"x": Evil()}, "epoch": 0}, "{{folder}}/protocol4.ckpt", pickle_protocol=4)
            with open("{{folder}}/raw.pt", "wb") as f:
                pickle.dump({"x": Evil()}, f, protocol=2)
            with open("{{folder}}/raw4.pth", "wb") as f:
                pickle.dump({"x": Evil()}, f, protocol=4)
            """;
        var (code, text) = await ChildProcess.RunAsync("/usr/bin/python3", ["-c", script], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, text);
    }

    [Fact]
    public async Task A_pickle_that_runs_code_under_PyTorch_is_refused_with_exit_2_naming_file_and_global_and_nothing_runs()
    {
        using var scratch = new ScratchFolder();
        var marker = scratch.File("MARKER");
        var evil = scratch.File("evil");
        await WriteMaliciousFiles(evil, marker);

        // The control: PyTorch 1.13's torch.load (weights_only=False, its default) runs the payload.
        var (code, text) = await ChildProcess.RunAsync("/usr/bin/python3", ["-c", $"import torch; torch.load('{evil}/zip/epoch_0.pt')"], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, text);
        Assert.True(File.Exists(marker), "the control: Python's unpickler runs the file's code");
        File.Delete(marker);

        var (exit, err, _) = await TinyRuns.RunAsync(["reanalyze", "--checkpoints", Path.Combine(evil, "zip"), "--model", corpus.ModelToml,
            "--data", PyTorchWeightsCorpus.MnistDir, "--out", scratch.File("out")]);
        output.WriteLine(err);
        Assert.Equal(2, exit);
        Assert.Contains("epoch_0.pt", err);
        Assert.Contains("refused pickle global 'posix.system'", err);
        Assert.False(Directory.Exists(scratch.File("out")), "nothing is written");

        foreach (var file in new[] { "protocol4.ckpt", "raw.pt", "raw4.pth" }) // STACK_GLOBAL (protocol 4) and raw pickles too
        {
            var path = Path.Combine(evil, file);
            var e = Assert.Throws<BadInputException>(() => StateDictReader.Read(path));
            output.WriteLine(e.Message);
            Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
            Assert.Contains("refused pickle global 'posix.system'", e.Message);
        }
        using var network = WeightImport.Create(new Core.Specs.ModelSpec { Width = 64, Depth = 3 });
        var init = Assert.Throws<BadInputException>(() => WeightImport.LoadInit(network, Path.Combine(evil, "zip", "epoch_0.pt")));
        Assert.StartsWith("model.init: ", init.Message, StringComparison.Ordinal);
        Assert.Contains("'posix.system'", init.Message);
        Assert.False(File.Exists(marker), "nothing ran");
    }

    [Fact]
    public async Task A_checkpoint_whose_pickle_holds_a_list_inside_itself_is_read_in_bounded_time_and_memory()
    {
        // The pickle's memo lets a list hold itself (`history.append(history)`): a walk of the unpickled objects that
        // does not remember what it visited never ends (a fuzz case of the suite grew to 20 GB that way).
        using var scratch = new ScratchFolder();
        var path = scratch.File("cyclic.ckpt");
        var script = $$"""
            import torch
            history = [1.0]
            history.append(history)
            torch.save({"state_dict": {"layers.0.weight": torch.ones(3, 4)}, "epoch": 7, "history": history}, "{{path}}")
            """;
        var (code, text) = await ChildProcess.RunAsync("/usr/bin/python3", ["-c", script], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, text);

        var read = Task.Run(() => StateDictReader.Read(path));
        var finished = await Task.WhenAny(read, Task.Delay(TimeSpan.FromMinutes(2)));
        Assert.True(finished == read, $"{path}: still reading after 2 minutes (the walk over the pickle's objects does not end)");
        var dict = await read;
        Assert.Equal(7, dict.Epoch);
        var weight = Assert.Single(dict.Tensors);
        Assert.Equal("layers.0.weight", weight.Name);
        Assert.Equal([3L, 4L], weight.Shape);
        Assert.All(weight.Values, v => Assert.Equal(1f, v));
    }

    [Theory]
    [InlineData("layers/epoch_3.pt")]
    [InlineData("safetensors/step-000024.safetensors")]
    [InlineData("lightning/epoch=3-step=24.ckpt")]
    public void Model_init_from_PyTorch_weights_starts_training_from_PyTorchs_own_export_of_them(string file)
    {
        using var scratch = new ScratchFolder();
        var data = TinyRuns.MnistFolder(scratch.File("mnist"));
        var settings = TinyRuns.MnistSettings(data).Concat(["model.width=64", "model.depth=3", "train.epochs=1", $"model.init={Path.Combine(corpus.Folder, file)}"]).ToArray();
        var result = TinyRuns.InProcess("mnist-pairs.toml", settings, scratch.File("run"), RepAlign.Pipelines.Runner.SilentObserver.Instance, to: "train");
        Assert.True(result.Succeeded, result.Message);

        var started = RepAlign.Training.Onnx.OnnxWeights.Read(scratch.File("run/checkpoints/epoch-00000.onnx"));
        var pytorch = RepAlign.Training.Onnx.OnnxWeights.Read(Path.Combine(corpus.Kind("onnx"), "epoch_3.onnx")); // torch.onnx.export of the same weights
        Assert.Equal(8, pytorch.Count);
        Assert.Equal(pytorch.Count, started.Count);
        for (var i = 0; i < pytorch.Count; i++)
        {
            Assert.Equal(pytorch[i].Shape, started[i].Shape);
            Assert.Equal(pytorch[i].Values, started[i].Values); // bit for bit
        }
    }
}

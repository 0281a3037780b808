using RepAlign.Core;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Reanalysis;
using RepAlign.Tests.Faults;
using RepAlign.Tests.Training.PyTorch;
using Xunit.Abstractions;

namespace RepAlign.Tests.Pipelines;

/// <summary>
/// Reanalysis of PyTorch weight files against PyTorch itself: every kind gives PyTorch's float64 h², y², w within
/// 1e−4 relative, at the epochs and steps the files carry, and the same tables as the same weights exported with
/// torch.onnx.export (within 1e−6); a spec that does not fit exits 2 naming file, parameter and shapes.
/// </summary>
[Collection("pytorch weights")]
public class PyTorchWeightsTests(PyTorchWeightsCorpus corpus, ITestOutputHelper output)
{
    public static TheoryData<string> Kinds => new() { "layers", "sequential", "lightning", "safetensors", "custom" };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_kind_gives_PyTorchs_float64_values_and_the_ONNX_exports_tables(string kind)
    {
        var messages = new List<string>();
        var stepAxis = kind == "safetensors";
        var (rows, curves) = PyTorchWeightsCorpus.Reanalyse(corpus.Request(kind), stepAxis ? "fit" : "extract", messages.Add);
        var checkpoints = corpus.Checkpoints;
        var pairs = corpus.Json.GetProperty("pairs").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())).ToArray();
        var layers = checkpoints[0].GetProperty("layers").GetArrayLength();
        Assert.Equal(3, layers);
        Assert.Equal(checkpoints.Length * layers * pairs.Length, rows.Count);

        // Epochs and steps: names and, for Lightning, the checkpoint's own epoch and global_step.
        var expected = checkpoints.Select(c => (Epoch: stepAxis ? -1 : c.GetProperty("epoch").GetInt32(),
            Step: kind is "safetensors" or "lightning" ? c.GetProperty("step").GetInt64() : -1L)).ToHashSet();
        Assert.Equal(expected, rows.Select(r => (r.Epoch, r.Step)).ToHashSet());
        Assert.Contains("4 checkpoints", Assert.Single(messages));
        if (stepAxis) // --time step: fitted with one unit of t per optimiser step
            Assert.Equal(checkpoints.Select(c => (int)c.GetProperty("step").GetInt64()).ToHashSet(), curves.Select(c => c.Epoch).ToHashSet());

        var worst = 0.0;
        foreach (var r in rows)
        {
            var c = checkpoints.Single(c => stepAxis ? c.GetProperty("step").GetInt64() == r.Step : c.GetProperty("epoch").GetInt32() == r.Epoch);
            var reference = c.GetProperty("layers")[r.Layer][r.Pair];
            Assert.Equal(pairs[r.Pair], (r.A, r.B));
            double Ref(string key) => reference.GetProperty(key).GetDouble();
            worst = Math.Max(worst, Math.Abs(r.H2 - Ref("h2")) / Math.Abs(Ref("h2")));
            worst = Math.Max(worst, Math.Abs(r.Y2 - Ref("y2")) / Math.Abs(Ref("y2")));
            // w = y2 − dy·dŷ is a difference of two terms: its error is relative to the larger of them.
            worst = Math.Max(worst, Math.Abs(r.W - Ref("w")) / Math.Max(Math.Abs(Ref("w")), Math.Max(Ref("y2"), Math.Abs(Ref("wterm")))));
        }

        var onnx = corpus.OnnxRows.ToDictionary(r => (r.Epoch, r.Layer, r.Pair));
        var stepsToEpochs = checkpoints.ToDictionary(c => c.GetProperty("step").GetInt64(), c => c.GetProperty("epoch").GetInt32());
        var worstOnnx = 0.0;
        foreach (var r in rows)
        {
            var o = onnx[(stepAxis ? stepsToEpochs[r.Step] : r.Epoch, r.Layer, r.Pair)];
            foreach (var (a, b) in new[] { (r.H2, o.H2), (r.Y2, o.Y2), (r.W, o.W) })
                worstOnnx = Math.Max(worstOnnx, Math.Abs(a - b) / Math.Max(Math.Abs(b), 1e-30));
        }
        output.WriteLine($"{kind}: worst relative error against PyTorch float64 {worst:E2}; against the torch.onnx.export reanalysis {worstOnnx:E2}");
        Assert.True(worst <= 1e-4, $"{kind}: worst relative error {worst:E3} > 1e-4");
        Assert.True(worstOnnx <= 1e-6, $"{kind}: worst relative difference from the ONNX export's tables {worstOnnx:E3} > 1e-6");
    }

    [Fact]
    public void Lightning_checkpoints_named_without_numbers_take_epoch_and_step_from_inside_and_a_contradicting_name_is_refused()
    {
        using var scratch = new ScratchFolder();
        var renamed = scratch.File("renamed");
        Directory.CreateDirectory(renamed);
        var files = Directory.EnumerateFiles(corpus.Kind("lightning")).Order(StringComparer.Ordinal).ToArray();
        foreach (var (file, k) in files.Select((f, k) => (f, k))) File.Copy(file, Path.Combine(renamed, $"run-{(char)('a' + k)}.ckpt"));
        var rows = PyTorchWeightsCorpus.Reanalyse(corpus.Request("lightning") with { Checkpoints = renamed });
        var expected = corpus.Checkpoints.Select(c => (c.GetProperty("epoch").GetInt32(), c.GetProperty("step").GetInt64())).ToHashSet();
        Assert.Equal(expected, rows.Select(r => (r.Epoch, r.Step)).ToHashSet());

        var wrong = scratch.File("wrong");
        Directory.CreateDirectory(wrong);
        File.Copy(files[1], Path.Combine(wrong, "epoch=7-step=8.ckpt")); // holds epoch 1
        var e = Assert.Throws<BadInputException>(() => Reanalyzer.Run(corpus.Request("lightning") with { Checkpoints = wrong, Out = scratch.File("out"), To = "extract" },
            RepAlign.FSharp.Stages.set, RepAlign.Pipelines.Runner.SilentObserver.Instance));
        Assert.Contains("epoch=7-step=8.ckpt: its name gives epoch 7", e.Message);
        Assert.Contains("the file holds epoch 1", e.Message);
        Assert.False(Directory.Exists(scratch.File("out")));
    }

    public static TheoryData<string, string, string[]> Misfits => new()
    {
        { "layers", "width = 32", ["epoch_0.pt: parameter 'layers.0.weight' has shape [64, 784], expected [32, 784] for the network's layers.0.weight"] },
        { "sequential", "depth = 4", ["ckpt_0.pth: parameter '6.weight' has shape [10, 64], expected [64, 64] for the network's layers.3.weight"] },
        { "lightning", "bias = false", ["epoch=0-step=0.ckpt: extra parameter 'model.layers.0.bias' (shape [64])", "model.bias = false"] },
        { "custom", "", ["epoch_0.pt: parameter 'readout.weight' has shape [10, 64], expected [64, 64] for the network's layers.1.weight", "--param-map FILE"] },
        { "safetensors-missing", "", ["missing parameter: the network's layers.3.bias (expected shape [10]) has no tensor in the file"] },
    };

    [Theory]
    [MemberData(nameof(Misfits))]
    public async Task A_spec_that_does_not_fit_the_files_exits_2_naming_file_parameter_and_shapes(string kind, string modelLine, string[] expected)
    {
        using var scratch = new ScratchFolder();
        var model = scratch.File("model.toml");
        var key = modelLine.Split('=')[0];
        var lines = File.ReadAllLines(corpus.ModelToml).Where(l => key.Length == 0 || !l.StartsWith(key, StringComparison.Ordinal));
        File.WriteAllLines(model, [.. lines, modelLine]); // the corpus' [model] table with one line changed
        var folder = corpus.Kind(kind);
        if (kind == "safetensors-missing")
        {
            folder = scratch.File("missing");
            Directory.CreateDirectory(folder);
            var tensors = RepAlign.Training.PyTorch.StateDictReader.Read(Path.Combine(corpus.Kind("layers"), "epoch_0.pt")).Tensors;
            SafetensorsFiles.Write(Path.Combine(folder, "epoch_0.safetensors"), tensors.Where(t => t.Name != "layers.3.bias"));
        }
        var (code, err, _) = await TinyRuns.RunAsync(["reanalyze", "--checkpoints", folder, "--model", model, "--data", PyTorchWeightsCorpus.MnistDir,
            "--pairs", corpus.Pairs, "--out", scratch.File("out")]);
        output.WriteLine(err);
        Assert.Equal(2, code);
        foreach (var text in expected) Assert.Contains(text, err);
        Assert.False(Directory.Exists(scratch.File("out")), "nothing is written");
    }

    [Fact]
    public async Task A_folder_of_weights_without_model_or_a_param_map_without_model_exits_2_saying_what_to_give()
    {
        using var scratch = new ScratchFolder();
        var (code, err, _) = await TinyRuns.RunAsync(["reanalyze", "--checkpoints", corpus.Kind("layers"), "--data", PyTorchWeightsCorpus.MnistDir, "--out", scratch.File("out")]);
        Assert.Equal(2, code);
        Assert.Contains("holds PyTorch weight files (epoch_0.pt, …) and no ONNX checkpoints; give --model SPEC.toml", err);
        var e = Assert.Throws<BadInputException>(() => PyTorchWeightsCorpus.Reanalyse(corpus.Request("onnx") with { Model = null, ParamMap = corpus.ParamMap }));
        Assert.Contains("--param-map: given without --model", e.Message);
        Assert.False(Directory.Exists(scratch.File("out")));
    }

    [Fact]
    public void The_READMEs_model_table_is_the_corpus_network_and_its_commands_parse()
    {
        var readMe = File.ReadAllText(TestPaths.Repo("README.md"));
        var section = readMe[readMe.IndexOf("## Your own training code", StringComparison.Ordinal)..readMe.IndexOf("**ONNX.**", StringComparison.Ordinal)];
        var printf = System.Text.RegularExpressions.Regex.Match(section, @"^printf '(.*)' > model\.toml$", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.True(printf.Success, "README writes model.toml with printf");
        using var scratch = new ScratchFolder();
        File.WriteAllText(scratch.File("model.toml"), printf.Groups[1].Value.Replace("\\n", "\n", StringComparison.Ordinal));
        var readMeModel = RepAlign.Pipelines.Spec.PipelineFile.Load(scratch.File("model.toml")).Model;
        Assert.Equal(RepAlign.Pipelines.Spec.PipelineFile.Load(corpus.ModelToml).Model, readMeModel);

        var none = Microsoft.FSharp.Core.FSharpOption<string>.None;
        var parser = Argu.ArgumentParser.Create<RepAlign.Cli.Arguments.Command>("repalign", none, null, null, null);
        var commands = section.Split('\n').Where(l => l.StartsWith("repalign ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(4, commands.Length);
        foreach (var line in commands)
        {
            var args = line.Split('#')[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..];
            parser.ParseCommandLine(args, null, null, true); // raiseOnUsage: throws on an unknown option
        }
    }
}

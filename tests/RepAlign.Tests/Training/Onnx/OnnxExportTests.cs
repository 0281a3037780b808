using System.Diagnostics;
using Onnx;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using TorchSharp;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;
using static TorchSharp.torch;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Tests.Training.Onnx;

public class OnnxExportTests
{
    public static TheoryData<Activation, bool> Settings()
    {
        var data = new TheoryData<Activation, bool>();
        foreach (var a in AllActivations) data.Add(a, true);
        data.Add(Activation.Tanh, false);
        return data;
    }

    private static (RepNetwork Net, CheckpointInfo Info) Network(Activation activation, bool bias, int inputDim = 5, int outputDim = 3)
    {
        TorchRuntime.EnsureLoaded();
        var model = new ModelSpec { Width = 16, Depth = 3, Activation = activation, Bias = bias, Gain = 1.3 };
        using var generator = new Generator(11, CPU);
        var net = NetworkFactory.Create(model, inputDim, outputDim, generator);
        if (bias)
        {
            // Zero biases would hide a bias mistake in the export: give them values.
            using var _ = no_grad();
            foreach (var p in net.named_parameters().Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)))
                p.parameter.uniform_(-0.5, 0.5, generator);
        }
        return (net, new CheckpointInfo(model, new DataSpec { InputDim = inputDim, OutputDim = outputDim }, new TrainSpec { Seed = 3 }, 12));
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void Checker_accepts_the_export(Activation activation, bool bias)
    {
        using var dir = new ScratchFolder();
        var (net, info) = Network(activation, bias);
        using var _ = net;
        var path = Path.Combine(dir.Path, OnnxExporter.FileName(12));
        OnnxExporter.Write(net, info, path);
        Assert.Equal("epoch-00012.onnx", Path.GetFileName(path));

        var psi = new ProcessStartInfo("/usr/bin/python3")
        {
            ArgumentList = { "-c", "import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", path },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"onnx.checker rejected the {activation} export: {stderr}");
    }

    [Fact]
    public void Model_carries_names_shapes_and_provenance()
    {
        var (net, info) = Network(Activation.Silu, true);
        using var _ = net;
        var model = OnnxExporter.Build(net, info);
        Assert.Equal(8, model.IrVersion);
        Assert.Equal("RepAlign", model.ProducerName);
        Assert.Equal(17, model.OpsetImport.Single().Version);
        Assert.Equal(["input"], model.Graph.Input.Select(i => i.Name));
        Assert.Equal(["hidden_0", "hidden_1", "hidden_2", "output"], model.Graph.Output.Select(o => o.Name));
        var hidden = model.Graph.Output[0].Type.TensorType.Shape.Dim;
        Assert.Equal("batch", hidden[0].DimParam);
        Assert.Equal(16, hidden[1].DimValue);
        Assert.Equal(3, model.Graph.Output[^1].Type.TensorType.Shape.Dim[1].DimValue);
        Assert.All(model.Graph.Initializer, t => Assert.Equal((int)TensorProto.Types.DataType.Float, t.DataType));
        var meta = model.MetadataProps.ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("12", meta["repalign.epoch"]);
        Assert.Equal("3", meta["repalign.seed"]);
        Assert.False(string.IsNullOrEmpty(meta["repalign.version"]));
        Assert.Contains("\"activation\":\"silu\"", meta["repalign.spec"]);
        Assert.Contains("\"train\":", meta["repalign.spec"]);
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void TorchSharp_and_OnnxRuntime_forward_agree(Activation activation, bool bias)
    {
        using var dir = new ScratchFolder();
        var (net, info) = Network(activation, bias);
        using var _ = net;
        var path = Path.Combine(dir.Path, "model.onnx");
        OnnxExporter.Write(net, info, path);

        const int batch = 9;
        var random = new Random(5);
        var input = Enumerable.Range(0, batch * net.InputDim).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[][] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var pass = net.Forward(tensor(input, [batch, net.InputDim])); // (B, d_in)
            expected = pass.Hidden.Append(pass.Output).Select(t => t.data<float>().ToArray()).ToArray();
        }

        using var runner = new OnnxModelRunner(path, new InferenceOptions { Threads = 1 });
        Assert.Equal(["hidden_0", "hidden_1", "hidden_2", "output"], runner.OutputNames);
        var actual = runner.Run(input, batch, runner.OutputNames.ToArray());
        for (var o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Length, actual[o].Values.Length);
            Assert.Equal(batch, actual[o].Shape[0]);
            var scale = expected[o].Max(Math.Abs);
            for (var i = 0; i < expected[o].Length; i++)
                Assert.True(Close(expected[o][i], actual[o].Values[i], 1e-5, 1e-6 * scale),
                    $"{activation} {runner.OutputNames[o]}[{i}]: torch {expected[o][i]} vs ORT {actual[o].Values[i]}");
        }
    }
}

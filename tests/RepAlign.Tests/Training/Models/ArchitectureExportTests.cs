using System.Diagnostics;
using RepAlign.Core.Specs;
using RepAlign.Inference;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using Xunit;
using static RepAlign.Tests.Training.TrainingFixtures;
using static TorchSharp.torch;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Tests.Training.Models;

/// <summary>Every model kind × every activation: TorchSharp's forward equals ONNX Runtime's, and the ONNX checker accepts the file.</summary>
public class ArchitectureExportTests
{
    private const int InputDim = 5;
    private const int OutputDim = 3;

    /// <summary>A small network with non-zero biases (zero ones would hide a bias mistake in the export), in eval mode.</summary>
    internal static (RepNetwork Net, CheckpointInfo Info) Network(ModelSpec model, ulong seed = 11)
    {
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator(seed, CPU);
        var net = NetworkFactory.Create(model, InputDim, OutputDim, generator);
        using (no_grad())
        {
            foreach (var p in net.named_parameters().Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)))
                p.parameter.uniform_(-0.5, 0.5, generator);
        }
        net.eval();
        return (net, new CheckpointInfo(model, new DataSpec { InputDim = InputDim, OutputDim = OutputDim }, new TrainSpec { Seed = 3 }, 4));
    }

    [Theory]
    [MemberData(nameof(KindsAndActivations), MemberType = typeof(TrainingFixtures))]
    public void TorchSharp_and_OnnxRuntime_agree_on_every_output(ModelKind kind, Activation activation)
    {
        AssertForwardAgrees(SmallModel(kind, activation, gain: 1.3));
    }

    [Theory]
    [MemberData(nameof(Kinds), MemberType = typeof(TrainingFixtures))]
    public void Agreement_holds_without_biases(ModelKind kind) => AssertForwardAgrees(SmallModel(kind, Activation.Tanh, bias: false));

    [Fact]
    public void Checker_accepts_every_kind_and_activation()
    {
        using var dir = new ScratchFolder();
        var paths = new List<string>();
        foreach (var kind in AllKinds)
        {
            foreach (var (activation, bias) in AllActivations.Select(a => (a, true)).Append((Activation.Silu, false)))
            {
                var (net, info) = Network(SmallModel(kind, activation, bias));
                using var _ = net;
                var path = Path.Combine(dir.Path, $"{kind}-{activation}-{bias}.onnx");
                OnnxExporter.Write(net, info, path);
                paths.Add(path);
            }
        }
        // One interpreter for all files: full_check also runs strict shape inference against the declared outputs.
        const string script = """
            import onnx, sys
            bad = []
            for p in sys.argv[1:]:
                try:
                    onnx.checker.check_model(onnx.load(p), full_check=True)
                except Exception as e:
                    bad.append(p + ": " + str(e))
            print("\n".join(bad))
            sys.exit(1 if bad else 0)
            """;
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var p in paths) psi.ArgumentList.Add(p);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEnd();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"onnx.checker rejected exports:\n{stdout}\n{stderr}");
    }

    [Fact]
    public void Exports_use_standard_operators_only()
    {
        var allowed = new HashSet<string> { "Gemm", "Conv", "Unsqueeze", "Flatten", "Add", "Identity", "Relu", "LeakyRelu", "Tanh", "Elu", "Sigmoid", "Mul" };
        foreach (var kind in AllKinds)
        {
            var (net, info) = Network(SmallModel(kind, Activation.Silu));
            using var _ = net;
            var model = OnnxExporter.Build(net, info);
            Assert.All(model.Graph.Node, n => Assert.Contains(n.OpType, allowed));
            Assert.All(model.Graph.Node, n => Assert.Equal("", n.Domain));
            Assert.Equal(net.HiddenWidths.Select((_, k) => $"hidden_{k}").Append("output"), model.Graph.Output.Select(o => o.Name));
        }
    }

    [Fact]
    public void Cnn_of_the_paper_has_the_tables_shapes()
    {
        // Settings table, cnn row: Linear(1→500), Conv1d(1→20), 9× Conv1d(20→20), Conv1d(20→1), Linear(390→1); L = 10.
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator(1, CPU);
        using var net = NetworkFactory.Create(new ModelSpec { Kind = ModelKind.Cnn, Width = 500, Depth = 10 }, 1, 1, generator);
        var shapes = net.named_parameters().Where(p => p.name.EndsWith("weight", StringComparison.Ordinal)).Select(p => string.Join("x", p.parameter.shape)).ToArray();
        Assert.Equal(["500x1", "20x1x11", .. Enumerable.Repeat("20x20x11", 9), "1x20x11", "1x390"], shapes);
        Assert.Equal(12, net.Depth);
        Assert.Equal(12, Architecture.HiddenLayerCount(new ModelSpec { Kind = ModelKind.Cnn, Depth = 10 }));
        Assert.Equal([500, 20 * 490, 20 * 480], net.HiddenWidths.Take(3));
        Assert.Equal(390, net.HiddenWidths[^1]);
    }

    [Fact]
    public void Xavier_normal_uses_pytorch_fans_for_convolutions()
    {
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator(2, CPU);
        using var weight = empty(64, 48, 11);
        Initialise.XavierNormal(weight, null, 0.7, generator);
        var expected = 0.7 * Math.Sqrt(2.0 / (48 * 11 + 64 * 11));
        using var std = weight.std();
        Assert.InRange(std.item<float>(), 0.97 * expected, 1.03 * expected);
    }

    private static void AssertForwardAgrees(ModelSpec model)
    {
        using var dir = new ScratchFolder();
        var (net, info) = Network(model);
        using var _ = net;
        var path = Path.Combine(dir.Path, "model.onnx");
        OnnxExporter.Write(net, info, path);

        const int batch = 7;
        var random = new Random(5);
        var input = Enumerable.Range(0, batch * InputDim).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
        float[][] expected;
        using (NewDisposeScope())
        using (no_grad())
        {
            var pass = net.Forward(tensor(input, [batch, InputDim])); // (B, d_in)
            expected = pass.Hidden.Append(pass.Output).Select(t => t.data<float>().ToArray()).ToArray();
        }

        using var runner = new OnnxModelRunner(path, new InferenceOptions { Threads = 1 });
        Assert.Equal(net.Depth + 1, runner.OutputNames.Count);
        var actual = runner.Run(input, batch, runner.OutputNames.ToArray());
        for (var o = 0; o < expected.Length; o++)
        {
            Assert.Equal(expected[o].Length, actual[o].Values.Length);
            Assert.Equal([batch, o < net.Depth ? net.HiddenWidths[o] : OutputDim], actual[o].Shape);
            // 1e-5 relative; entries near zero (cancellation in a long sum) are held to 1e-6 of the layer's scale.
            var scale = expected[o].Max(Math.Abs);
            for (var i = 0; i < expected[o].Length; i++)
                Assert.True(Close(expected[o][i], actual[o].Values[i], 1e-5, 1e-6 * scale),
                    $"{model.Kind} {model.Activation} {runner.OutputNames[o]}[{i}]: torch {expected[o][i]} vs ORT {actual[o].Values[i]}");
        }
    }
}

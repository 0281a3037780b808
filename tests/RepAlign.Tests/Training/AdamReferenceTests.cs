using System.Text.Json;
using RepAlign.Training.Loop;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training;

/// <summary>
/// The hand-written Adam step (ParameterUpdate) against torch.optim.Adam on a fixed float64 least-squares problem:
/// TestData/adam_reference.json holds PyTorch's parameters after each of six steps, made by
/// TestData/adam_reference.py with Debian's python3-torch.
/// </summary>
public class AdamReferenceTests
{
    [Fact]
    public void Adam_steps_equal_torch_optim_adam()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestPaths.TestData("adam_reference.json")));
        var root = json.RootElement;
        static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        using var scope = NewDisposeScope();
        var w = new TorchSharp.Modules.Parameter(tensor(Doubles(root.GetProperty("W0")), [2, 3], ScalarType.Float64));
        var b = new TorchSharp.Modules.Parameter(tensor(Doubles(root.GetProperty("b0")), [2], ScalarType.Float64));
        var x = tensor(Doubles(root.GetProperty("X")), [4, 3], ScalarType.Float64); // (4, 3)
        var y = tensor(Doubles(root.GetProperty("Y")), [4, 2], ScalarType.Float64); // (4, 2)
        using var update = new ParameterUpdate([w, b], root.GetProperty("lr").GetDouble(), adam: true);
        var step = 0;
        foreach (var expected in root.GetProperty("steps").EnumerateArray())
        {
            update.ZeroGrad();
            var loss = (x.matmul(w.t()) + b - y).pow(2).mean(); // the reference's plain mean square
            Assert.Equal(expected.GetProperty("loss_before").GetDouble(), loss.item<double>(), 12);
            loss.backward();
            update.Step();
            step++;
            var wExpected = Doubles(expected.GetProperty("W"));
            var bExpected = Doubles(expected.GetProperty("b"));
            var wActual = w.data<double>().ToArray();
            var bActual = b.data<double>().ToArray();
            for (var i = 0; i < wExpected.Length; i++) Assert.True(Math.Abs(wExpected[i] - wActual[i]) < 1e-12, $"step {step}, W[{i}]: torch {wExpected[i]:R}, RepAlign {wActual[i]:R}");
            for (var i = 0; i < bExpected.Length; i++) Assert.True(Math.Abs(bExpected[i] - bActual[i]) < 1e-12, $"step {step}, b[{i}]: torch {bExpected[i]:R}, RepAlign {bActual[i]:R}");
        }
        Assert.Equal(6, step);
    }
}

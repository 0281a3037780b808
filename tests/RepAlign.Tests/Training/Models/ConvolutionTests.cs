using RepAlign.Training.Models;
using RepAlign.Training.Native;
using Xunit;
using static TorchSharp.torch;

namespace RepAlign.Tests.Training.Models;

/// <summary>The im2col convolution against float64 libtorch <c>conv1d</c> (the slow reference), values and gradients.</summary>
public class ConvolutionTests
{
    [Theory]
    [InlineData(1, 20, 41, 1)]
    [InlineData(2, 20, 31, 20)]
    [InlineData(5, 20, 60, 20)]
    [InlineData(3, 16, 31, 1)]
    public void Valid1d_equals_float64_conv1d_with_gradients(int batch, int inChannels, int length, int outChannels)
    {
        TorchRuntime.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var generator = new Generator(3, CPU);
        var x = randn([batch, inChannels, length], generator: generator).requires_grad_(); // (B, C_in, L)
        var w = randn([outChannels, inChannels, 11], generator: generator).requires_grad_(); // (C_out, C_in, k)
        var b = randn([outChannels], generator: generator).requires_grad_();
        var probe = randn([batch, outChannels, length - 10], generator: generator); // (B, C_out, L')

        var y = Convolution.Valid1d(x, w, b);
        (y * probe).sum().backward();
        var (gx, gw, gb) = (x.grad!.clone(), w.grad!.clone(), b.grad!.clone());

        var x64 = x.detach().to_type(ScalarType.Float64).requires_grad_();
        var w64 = w.detach().to_type(ScalarType.Float64).requires_grad_();
        var b64 = b.detach().to_type(ScalarType.Float64).requires_grad_();
        var y64 = nn.functional.conv1d(x64, w64, b64);
        (y64 * probe.to_type(ScalarType.Float64)).sum().backward();

        AssertClose(y64, y, "value");
        AssertClose(x64.grad!, gx, "input gradient");
        AssertClose(w64.grad!, gw, "weight gradient");
        AssertClose(b64.grad!, gb, "bias gradient");
    }

    private static void AssertClose(Tensor reference, Tensor actual, string what)
    {
        var scale = reference.abs().max().item<double>();
        var error = (reference - actual.to_type(ScalarType.Float64)).abs().max().item<double>();
        Assert.True(error <= 1e-5 * scale, $"{what}: max error {error} at scale {scale}");
    }
}

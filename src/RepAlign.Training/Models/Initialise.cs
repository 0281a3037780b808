using RepAlign.Core;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>Weight initialisation from an explicit generator (so parallel runs do not share a random stream).</summary>
public static class Initialise
{
    /// <summary>
    /// xavier_normal(gain) as PyTorch defines it: weight ~ N(0, gain² · 2 / (fan_in + fan_out)) with
    /// fan_in = shape[1] · receptive field and fan_out = shape[0] · receptive field (receptive field =
    /// product of the remaining dimensions, 1 for a matrix); bias = 0. Call inside <c>no_grad()</c>.
    /// </summary>
    public static void XavierNormal(Tensor weight, Tensor? bias, double gain, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() < 2) Throw.Argument(nameof(weight), $"xavier_normal needs a weight of rank ≥ 2, found rank {weight.dim()}");
        var receptive = weight.shape.Skip(2).Aggregate(1L, (a, d) => a * d);
        long fanOut = weight.shape[0] * receptive, fanIn = weight.shape[1] * receptive;
        weight.normal_(0.0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
        bias?.zero_();
    }

    /// <summary>xavier_normal(gain) of a linear layer's weight (out, in); bias = 0. Call inside <c>no_grad()</c>.</summary>
    public static void XavierNormal(Linear layer, double gain, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(layer);
        XavierNormal(layer.weight ?? Throw.Invariant<Tensor>("linear layer without weight"), layer.bias, gain, generator);
    }

    /// <summary>xavier_normal(gain) of a 1-D convolution's weight (out, in, k); bias = 0. Call inside <c>no_grad()</c>.</summary>
    public static void XavierNormal(Conv1d layer, double gain, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(layer);
        XavierNormal(layer.weight ?? Throw.Invariant<Tensor>("convolution without weight"), layer.bias, gain, generator);
    }
}

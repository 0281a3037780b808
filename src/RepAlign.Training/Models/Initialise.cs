using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>Weight initialisation from an explicit generator (so parallel runs do not share a random stream).</summary>
public static class Initialise
{
    /// <summary>
    /// xavier_normal(gain): weight ~ N(0, gain² · 2 / (fan_in + fan_out)); bias = 0. Call inside <c>no_grad()</c>.
    /// </summary>
    public static void XavierNormal(Linear layer, double gain, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var weight = layer.weight ?? throw new InvalidOperationException("linear layer without weight");
        long fanOut = weight.shape[0], fanIn = weight.shape[1];
        weight.normal_(0.0, gain * Math.Sqrt(2.0 / (fanIn + fanOut)), generator);
        layer.bias?.zero_();
    }
}

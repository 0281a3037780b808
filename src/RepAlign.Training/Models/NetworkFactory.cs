using RepAlign.Core;
using RepAlign.Core.Specs;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>Builds the network a <see cref="ModelSpec"/> describes.</summary>
public static class NetworkFactory
{
    /// <summary>
    /// Creates and initialises the network; throws <see cref="BadInputException"/> for invalid sizes
    /// or an architecture not available yet.
    /// </summary>
    public static RepNetwork Create(ModelSpec spec, int inputDim, int outputDim, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Depth < 1) Throw.BadValue("model.depth", spec.Depth.ToString(), "an integer ≥ 1 (number of hidden layers)");
        if (spec.Width < 1) Throw.BadValue("model.width", spec.Width.ToString(), "an integer ≥ 1");
        if (!(spec.Gain > 0) || double.IsInfinity(spec.Gain)) Throw.BadValue("model.gain", spec.Gain.ToString("R"), "a finite number > 0");
        if (inputDim < 1 || outputDim < 1) Throw.BadValue("data dimensions", $"{inputDim} → {outputDim}", "both ≥ 1");
        return spec.Kind switch
        {
            ModelKind.Mlp => new Mlp(spec, inputDim, outputDim, generator),
            _ => Throw.BadInput<RepNetwork>($"model.kind: found {spec.Kind}, expected mlp (resnet, cnn and dropout are not implemented yet)"),
        };
    }
}

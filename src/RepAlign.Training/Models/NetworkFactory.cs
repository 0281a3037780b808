using RepAlign.Core;
using RepAlign.Core.Specs;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>Builds the network a <see cref="ModelSpec"/> describes (checked first by <see cref="Architecture.Validate"/>).</summary>
public static class NetworkFactory
{
    /// <summary>
    /// Creates and initialises the network; throws <see cref="BadInputException"/> for an invalid or
    /// unsupported spec (see <see cref="Architecture.Validate"/>).
    /// </summary>
    public static RepNetwork Create(ModelSpec spec, int inputDim, int outputDim, Generator generator)
    {
        Architecture.Validate(spec, inputDim, outputDim);
        return spec.Kind switch
        {
            ModelKind.Mlp or ModelKind.Resnet or ModelKind.Dropout => new Mlp(spec, inputDim, outputDim, generator),
            ModelKind.Cnn => new Cnn(spec, inputDim, outputDim, generator),
            _ => Throw.BadInput<RepNetwork>($"model.kind: found {spec.Kind}, expected mlp, resnet, cnn or dropout"),
        };
    }
}

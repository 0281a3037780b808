using System.Globalization;
using RepAlign.Core;
using RepAlign.Core.Specs;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>Builds the network a <see cref="ModelSpec"/> describes, and checks a spec before anything is built.</summary>
public static class NetworkFactory
{
    /// <summary>
    /// Creates and initialises the network; throws <see cref="BadInputException"/> for an invalid or
    /// unsupported spec (see <see cref="Validate"/>).
    /// </summary>
    public static RepNetwork Create(ModelSpec spec, int inputDim, int outputDim, Generator generator)
    {
        Validate(spec, inputDim, outputDim);
        return spec.Kind switch
        {
            ModelKind.Mlp or ModelKind.Resnet or ModelKind.Dropout => new Mlp(spec, inputDim, outputDim, generator),
            ModelKind.Cnn => new Cnn(spec, inputDim, outputDim, generator),
            _ => Throw.BadInput<RepNetwork>($"model.kind: found {spec.Kind}, expected mlp, resnet, cnn or dropout"),
        };
    }

    /// <summary>
    /// Throws <see cref="BadInputException"/> naming the field when the spec cannot be built: depth &lt; 1,
    /// width &lt; 1, a gain that is not finite and positive, a dropout probability outside [0, 1), an
    /// unknown kind or activation, a cnn narrower than <see cref="Cnn.MinimumWidth"/>, or empty data dimensions.
    /// </summary>
    public static void Validate(ModelSpec spec, int inputDim, int outputDim)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var inv = CultureInfo.InvariantCulture;
        if (!Enum.IsDefined(spec.Kind)) Throw.BadValue("model.kind", spec.Kind.ToString(), "mlp, resnet, cnn or dropout");
        if (!Enum.IsDefined(spec.Activation)) Throw.BadValue("model.activation", spec.Activation.ToString(), "none, relu, leaky_relu, tanh, elu or silu");
        if (spec.Depth < 1) Throw.BadValue("model.depth", spec.Depth.ToString(inv), $"an integer ≥ 1 (number of hidden layers{(spec.Kind == ModelKind.Cnn ? "; a cnn of depth L has L + 1 convolutions" : "")})");
        if (spec.Width < 1) Throw.BadValue("model.width", spec.Width.ToString(inv), "an integer ≥ 1");
        if (!(spec.Gain > 0) || double.IsInfinity(spec.Gain)) Throw.BadValue("model.gain", spec.Gain.ToString("R", inv), "a finite number > 0");
        if (spec.Kind == ModelKind.Dropout && !(spec.DropoutP >= 0 && spec.DropoutP < 1))
            Throw.BadValue("model.dropout_p", spec.DropoutP.ToString("R", inv), "a probability in [0, 1)");
        if (spec.Kind == ModelKind.Cnn && spec.Width < Cnn.MinimumWidth(spec.Depth))
            Throw.BadValue("model.width", spec.Width.ToString(inv),
                $"at least {Cnn.MinimumWidth(spec.Depth)} for a cnn of model.depth = {spec.Depth}: its {spec.Depth + 1} valid convolutions of kernel {Cnn.Kernel} " +
                $"shorten the sequence by {(Cnn.Kernel - 1) * (spec.Depth + 1)}, and the read-out needs at least one input (or lower model.depth to at most {MaxCnnDepth(spec.Width)})");
        if (inputDim < 1 || outputDim < 1) Throw.BadValue("data dimensions", $"{inputDim} → {outputDim}", "both ≥ 1");
    }

    /// <summary>
    /// Number of hidden outputs (<c>hidden_0</c> …) the spec's network exposes: model.depth for the
    /// fully connected kinds, model.depth + 2 for the cnn (its input Linear and its depth + 1 convolutions).
    /// </summary>
    public static int HiddenLayerCount(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind == ModelKind.Cnn ? Cnn.HiddenCount(spec.Depth) : spec.Depth;
    }

    private static string MaxCnnDepth(int width) => Math.Max(0, (width - 1) / (Cnn.Kernel - 1) - 1).ToString(CultureInfo.InvariantCulture);
}

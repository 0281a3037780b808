using System.Globalization;

namespace RepAlign.Core.Specs;

/// <summary>
/// What a <see cref="ModelSpec"/> describes, decided without building it: whether it can be built and how many hidden
/// outputs it exposes. The training core builds the network; the pipeline file, the tracked layers and the extraction
/// bundle (which has no training core) ask here.
/// </summary>
public static class Architecture
{
    /// <summary>Kernel size of every convolution of the cnn kind.</summary>
    public const int CnnKernel = 11;

    /// <summary>Channels of the cnn's inner convolutions.</summary>
    public const int CnnChannels = 20;

    /// <summary>The smallest width a cnn of <paramref name="depth"/> accepts: 10·(depth + 1) + 1.</summary>
    public static int CnnMinimumWidth(int depth) => (CnnKernel - 1) * (depth + 1) + 1;

    /// <summary>
    /// Number of hidden outputs (<c>hidden_0</c> …) the spec's network exposes: model.depth for the fully connected
    /// kinds, model.depth + 2 for the cnn (its input Linear and its depth + 1 convolutions).
    /// </summary>
    public static int HiddenLayerCount(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind == ModelKind.Cnn ? spec.Depth + 2 : spec.Depth;
    }

    /// <summary>
    /// Throws <see cref="BadInputException"/> naming the field when the spec cannot be built: depth &lt; 1, width &lt; 1,
    /// a gain that is not finite and positive, a dropout probability outside [0, 1), an unknown kind or activation, a cnn
    /// narrower than <see cref="CnnMinimumWidth"/>, or empty data dimensions.
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
        if (spec.Kind == ModelKind.Cnn && spec.Width < CnnMinimumWidth(spec.Depth))
            Throw.BadValue("model.width", spec.Width.ToString(inv),
                $"at least {CnnMinimumWidth(spec.Depth)} for a cnn of model.depth = {spec.Depth}: its {spec.Depth + 1} valid convolutions of kernel {CnnKernel} " +
                $"shorten the sequence by {(CnnKernel - 1) * (spec.Depth + 1)}, and the read-out needs at least one input (or lower model.depth to at most {MaxCnnDepth(spec.Width)})");
        if (inputDim < 1 || outputDim < 1) Throw.BadValue("data dimensions", $"{inputDim} → {outputDim}", "both ≥ 1");
    }

    private static string MaxCnnDepth(int width) => Math.Max(0, (width - 1) / (CnnKernel - 1) - 1).ToString(CultureInfo.InvariantCulture);
}

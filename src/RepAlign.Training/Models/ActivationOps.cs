using RepAlign.Core;
using RepAlign.Core.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>The nonlinearities in TorchSharp and their constants (the ONNX export's <c>ActivationNodes</c> reads the same constants).</summary>
public static class ActivationOps
{
    /// <summary>Negative slope of <see cref="Activation.LeakyRelu"/>.</summary>
    public const double LeakySlope = 0.01;

    /// <summary>Alpha of <see cref="Activation.Elu"/>.</summary>
    public const double EluAlpha = 1.0;

    // Owned for the process: TorchSharp's double overloads make a temporary Scalar that only the garbage
    // collector frees, and the finaliser thread freed one while libtorch still read it (an aborted sweep).
    private static readonly TorchSharp.Scalar LeakySlopeScalar = LeakySlope.ToScalar();
    private static readonly TorchSharp.Scalar EluAlphaScalar = EluAlpha.ToScalar();

    /// <summary>Applies the activation to a tensor (no copy for <see cref="Activation.None"/>).</summary>
    public static Tensor Apply(Activation activation, Tensor x) => activation switch
    {
        Activation.None => x,
        Activation.Relu => nn.functional.relu(x),
        Activation.LeakyRelu => x.leaky_relu(LeakySlopeScalar),
        Activation.Tanh => x.tanh(),
        Activation.Elu => x.elu(EluAlphaScalar, OwnedScalars.One, OwnedScalars.One),
        Activation.Silu => nn.functional.silu(x),
        _ => Throw.OutOfRange<Tensor>(nameof(activation), activation, "unknown activation"),
    };
}

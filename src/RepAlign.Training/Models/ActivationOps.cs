using RepAlign.Core.Specs;
using RepAlign.Training.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>The nonlinearities in TorchSharp and as ONNX nodes: one place so both stay equal.</summary>
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
    private static readonly TorchSharp.Scalar One = 1.0.ToScalar();

    /// <summary>Applies the activation to a tensor (no copy for <see cref="Activation.None"/>).</summary>
    public static Tensor Apply(Activation activation, Tensor x) => activation switch
    {
        Activation.None => x,
        Activation.Relu => nn.functional.relu(x),
        Activation.LeakyRelu => x.leaky_relu(LeakySlopeScalar),
        Activation.Tanh => x.tanh(),
        Activation.Elu => x.elu(EluAlphaScalar, One, One),
        Activation.Silu => nn.functional.silu(x),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation"),
    };

    /// <summary>Emits the activation as ONNX nodes from tensor <paramref name="input"/> to tensor <paramref name="output"/>.</summary>
    public static void Emit(Activation activation, OnnxGraphBuilder graph, string input, string output)
    {
        switch (activation)
        {
            case Activation.None: graph.Node("Identity", [input], output); break;
            case Activation.Relu: graph.Node("Relu", [input], output); break;
            case Activation.LeakyRelu: graph.Node("LeakyRelu", [input], output, OnnxGraphBuilder.FloatAttribute("alpha", LeakySlope)); break;
            case Activation.Tanh: graph.Node("Tanh", [input], output); break;
            case Activation.Elu: graph.Node("Elu", [input], output, OnnxGraphBuilder.FloatAttribute("alpha", EluAlpha)); break;
            case Activation.Silu:
                var sigmoid = output + "_sigmoid";
                graph.Node("Sigmoid", [input], sigmoid);
                graph.Node("Mul", [input, sigmoid], output);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
    }
}

using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;

namespace RepAlign.Training.Onnx;

/// <summary>The nonlinearities as ONNX nodes, with the constants <see cref="ActivationOps"/> applies in TorchSharp.</summary>
public static class ActivationNodes
{
    /// <summary>Emits the activation as ONNX nodes from tensor <paramref name="input"/> to tensor <paramref name="output"/>.</summary>
    public static void Emit(Activation activation, OnnxGraphBuilder graph, string input, string output)
    {
        ArgumentNullException.ThrowIfNull(graph);
        switch (activation)
        {
            case Activation.None: graph.Node("Identity", [input], output); break;
            case Activation.Relu: graph.Node("Relu", [input], output); break;
            case Activation.LeakyRelu: graph.Node("LeakyRelu", [input], output, OnnxGraphBuilder.FloatAttribute("alpha", ActivationOps.LeakySlope)); break;
            case Activation.Tanh: graph.Node("Tanh", [input], output); break;
            case Activation.Elu: graph.Node("Elu", [input], output, OnnxGraphBuilder.FloatAttribute("alpha", ActivationOps.EluAlpha)); break;
            case Activation.Silu:
                var sigmoid = output + "_sigmoid";
                graph.Node("Sigmoid", [input], sigmoid);
                graph.Node("Mul", [input, sigmoid], output);
                break;
            default: Throw.OutOfRange(nameof(activation), activation, "unknown activation"); break;
        }
    }
}

using RepAlign.Core;
using RepAlign.Core.Checkpoints;
using RepAlign.Training.Models;

namespace RepAlign.Training.Onnx;

/// <summary>
/// Writes a network's layers as ONNX nodes and initialisers: the graph reads <see cref="OnnxNames.Input"/> and
/// defines <see cref="OnnxNames.Hidden"/>(k) for every hidden layer and <see cref="OnnxNames.Output"/>. The
/// networks know nothing of ONNX; this reads their layers (the dependency runs one way, Onnx → Models).
/// </summary>
public static class NetworkGraph
{
    /// <summary>Adds the nodes and initialisers of <paramref name="network"/> to <paramref name="graph"/>.</summary>
    public static void Emit(RepNetwork network, OnnxGraphBuilder graph)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(graph);
        switch (network)
        {
            case Mlp mlp: EmitMlp(mlp, graph); break;
            case Cnn cnn: EmitCnn(cnn, graph); break;
            default: Throw.NotSupported($"ONNX export of {network.GetType().Name}: expected an Mlp or a Cnn"); break;
        }
    }

    private static void EmitMlp(Mlp network, OnnxGraphBuilder graph)
    {
        var x = OnnxNames.Input;
        var depth = network.Depth;
        var layers = network.Layers;
        for (var k = 0; k <= depth; k++)
        {
            var last = k == depth;
            var linear = last ? OnnxNames.Output : $"linear_{k}";
            graph.Gemm(x, layers[k], $"layer_{k}", linear);
            if (last) break;
            if (network.IsResidual && Mlp.HasSkip(k, depth))
            {
                ActivationNodes.Emit(network.Activation, graph, linear, $"act_{k}");
                graph.Node("Add", [$"act_{k}", OnnxNames.Hidden(k - 2)], OnnxNames.Hidden(k));
            }
            else
            {
                ActivationNodes.Emit(network.Activation, graph, linear, OnnxNames.Hidden(k));
            }
            x = OnnxNames.Hidden(k);
        }
    }

    private static void EmitCnn(Cnn network, OnnxGraphBuilder graph)
    {
        var convolutions = network.Convolutions;
        graph.Gemm(OnnxNames.Input, network.InputLayer, "layer_0", "linear_0");
        ActivationNodes.Emit(network.Activation, graph, "linear_0", OnnxNames.Hidden(0));
        graph.Int64Initializer("unsqueeze_axes", [1]);
        graph.Node("Unsqueeze", [OnnxNames.Hidden(0), "unsqueeze_axes"], "sequence_0"); // (B, 1, P)
        var x = "sequence_0";
        for (var k = 1; k <= convolutions.Count; k++)
        {
            graph.Conv(x, convolutions[k - 1], $"conv_{k}", $"conv_out_{k}"); // (B, C_k, P − 10k)
            ActivationNodes.Emit(network.Activation, graph, $"conv_out_{k}", $"sequence_{k}");
            graph.Node("Flatten", [$"sequence_{k}"], OnnxNames.Hidden(k), OnnxGraphBuilder.IntAttribute("axis", 1)); // (B, C_k · (P − 10k))
            x = $"sequence_{k}";
        }
        graph.Gemm(OnnxNames.Hidden(convolutions.Count), network.Readout, "readout", OnnxNames.Output);
    }
}

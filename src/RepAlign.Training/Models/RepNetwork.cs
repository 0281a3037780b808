using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>The tensors of one forward pass: every hidden post-activation output and the prediction.</summary>
/// <param name="Hidden">Hidden layer k's post-activation output, (B, P_k) each, k = 0 … L−1.</param>
/// <param name="Output">The prediction, (B, d_out).</param>
public sealed record ForwardPass(IReadOnlyList<Tensor> Hidden, Tensor Output);

/// <summary>
/// A network RepAlign trains and tracks: its forward pass exposes every hidden layer. It knows nothing of
/// ONNX: the exporter (<c>RepAlign.Training.Onnx</c>) reads its layers and writes the graph.
/// </summary>
public abstract class RepNetwork : nn.Module
{
    /// <summary>Creates the module with a name.</summary>
    protected RepNetwork(string name) : base(name) { }

    /// <summary>Input dimension d_in.</summary>
    public abstract int InputDim { get; }

    /// <summary>Output dimension d_out.</summary>
    public abstract int OutputDim { get; }

    /// <summary>Width of each hidden output as seen by tracking and ONNX (flattened where the layer is not a vector).</summary>
    public abstract IReadOnlyList<int> HiddenWidths { get; }

    /// <summary>Number of hidden layers L.</summary>
    public int Depth => HiddenWidths.Count;

    /// <summary>
    /// True when the training-mode forward pass is random (dropout): trainers then record online
    /// metrics from a separate eval-mode pass, and the export is the eval-mode network.
    /// </summary>
    public virtual bool IsStochastic => false;

    /// <summary>
    /// Runs the network on a batch (B, d_in) and returns every hidden output and the prediction; in
    /// training mode (<c>train()</c>) a stochastic network draws fresh noise, in eval mode it is deterministic.
    /// </summary>
    public abstract ForwardPass Forward(Tensor input);
}

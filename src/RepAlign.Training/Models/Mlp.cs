using RepAlign.Core.Specs;
using RepAlign.Training.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>
/// Fully connected network: L hidden layers of width P, each Linear → activation, then a Linear
/// read-out. Weights xavier_normal(gain), biases zero (or absent).
/// </summary>
public sealed class Mlp : RepNetwork
{
    private readonly ModuleList<Linear> layers = new();
    private readonly Activation activation;
    private readonly int[] hiddenWidths;

    /// <summary>Builds the network of <paramref name="spec"/> and initialises it from <paramref name="generator"/>.</summary>
    public Mlp(ModelSpec spec, int inputDim, int outputDim, Generator generator) : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(spec);
        activation = spec.Activation;
        InputDim = inputDim;
        OutputDim = outputDim;
        hiddenWidths = Enumerable.Repeat(spec.Width, spec.Depth).ToArray();
        var dims = new[] { inputDim }.Concat(hiddenWidths).Append(outputDim).ToArray();
        for (var k = 0; k + 1 < dims.Length; k++) layers.Add(nn.Linear(dims[k], dims[k + 1], hasBias: spec.Bias));
        RegisterComponents();
        using (no_grad())
        {
            foreach (var layer in layers) Initialise.XavierNormal(layer, spec.Gain, generator);
        }
    }

    /// <inheritdoc />
    public override int InputDim { get; }

    /// <inheritdoc />
    public override int OutputDim { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> HiddenWidths => hiddenWidths;

    /// <summary>The linear layers, hidden ones first, the read-out last.</summary>
    public IReadOnlyList<Linear> Layers => layers.ToArray();

    /// <inheritdoc />
    public override ForwardPass Forward(Tensor input)
    {
        var hidden = new Tensor[Depth];
        var x = input; // (B, d_in)
        for (var k = 0; k < Depth; k++)
        {
            x = ActivationOps.Apply(activation, layers[k].forward(x)); // (B, P)
            hidden[k] = x;
        }
        return new ForwardPass(hidden, layers[Depth].forward(x)); // (B, d_out)
    }

    /// <inheritdoc />
    public override void EmitOnnx(OnnxGraphBuilder graph)
    {
        var x = OnnxNames.Input;
        for (var k = 0; k <= Depth; k++)
        {
            var last = k == Depth;
            var linear = last ? OnnxNames.Output : $"linear_{k}";
            graph.Gemm(x, layers[k], $"layer_{k}", linear);
            if (last) break;
            ActivationOps.Emit(activation, graph, linear, OnnxNames.Hidden(k));
            x = OnnxNames.Hidden(k);
        }
    }
}

using RepAlign.Core;
using RepAlign.Core.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>
/// The paper's 1-D convolutional network, for <c>model.depth</c> = L ≥ 1 and <c>model.width</c> = P:
/// Linear(d_in → P) → act, viewed as one channel of length P; then L + 1 valid convolutions of kernel
/// <see cref="Kernel"/> (stride 1, no padding), each → act: Conv1d(1 → <see cref="Channels"/>),
/// (L − 1) × Conv1d(<see cref="Channels"/> → <see cref="Channels"/>), Conv1d(<see cref="Channels"/> → 1);
/// then Linear(P − 10·(L + 1) → d_out). L counts like the reference code's <c>n_hid_layers</c>, so the
/// settings table's cnn row (P = 500, L = 10: Linear(1→500), Conv1d(1→20), 9 × Conv1d(20→20),
/// Conv1d(20→1), Linear(390→1)) is <c>model.depth = 10</c>.
/// Hidden outputs (L + 2 of them, post-activation, each flattened per sample channel-major):
/// <c>hidden_0</c> = the first Linear's (B, P); <c>hidden_k</c> for k = 1 … L + 1 = convolution k's
/// (B, C_k · (P − 10k)). Requires P ≥ 10·(L + 1) + 1 so the read-out has at least one input.
/// Weights xavier_normal(gain) (convolutions with PyTorch's fans: channels × kernel), biases zero or absent.
/// The convolutions hold their parameters in <c>Conv1d</c> modules but are computed by
/// <see cref="Convolution.Valid1d"/> (libtorch's own float32 convolution is wrong on this machine).
/// </summary>
public sealed class Cnn : RepNetwork
{
    /// <summary>Kernel size of every convolution.</summary>
    public const int Kernel = Architecture.CnnKernel;

    /// <summary>Channels of the inner convolutions.</summary>
    public const int Channels = Architecture.CnnChannels;

    private readonly Linear inputLayer;
    private readonly ModuleList<Conv1d> convolutions = new();
    private readonly Linear readout;
    private readonly Activation activation;
    private readonly int[] hiddenWidths;
    private readonly int width;

    /// <summary>Builds the network of <paramref name="spec"/> (kind cnn) and initialises it from <paramref name="generator"/>, layer by layer in forward order.</summary>
    public Cnn(ModelSpec spec, int inputDim, int outputDim, Generator generator) : base(nameof(Cnn))
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(generator);
        if (spec.Kind != ModelKind.Cnn) Throw.Argument(nameof(spec), $"Cnn builds kind cnn, not {spec.Kind}");
        if (spec.Width < Architecture.CnnMinimumWidth(spec.Depth)) Throw.Argument(nameof(spec), $"width {spec.Width} is below {Architecture.CnnMinimumWidth(spec.Depth)} for depth {spec.Depth}");
        activation = spec.Activation;
        width = spec.Width;
        InputDim = inputDim;
        OutputDim = outputDim;
        var convCount = spec.Depth + 1;
        inputLayer = nn.Linear(inputDim, width, hasBias: spec.Bias);
        var widths = new List<int> { width };
        for (var k = 1; k <= convCount; k++)
        {
            var inChannels = k == 1 ? 1 : Channels;
            var outChannels = k == convCount ? 1 : Channels;
            convolutions.Add(nn.Conv1d(inChannels, outChannels, Kernel, stride: 1, padding: 0L, bias: spec.Bias));
            widths.Add(outChannels * LengthAfter(k));
        }
        hiddenWidths = widths.ToArray();
        readout = nn.Linear(LengthAfter(convCount), outputDim, hasBias: spec.Bias);
        RegisterComponents();
        using (no_grad())
        {
            Initialise.XavierNormal(inputLayer, spec.Gain, generator);
            foreach (var conv in convolutions) Initialise.XavierNormal(conv, spec.Gain, generator);
            Initialise.XavierNormal(readout, spec.Gain, generator);
        }
    }

    /// <inheritdoc />
    public override int InputDim { get; }

    /// <inheritdoc />
    public override int OutputDim { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> HiddenWidths => hiddenWidths;

    /// <summary>The nonlinearity after the first linear layer and after every convolution.</summary>
    public Activation Activation => activation;

    /// <summary>The first layer, Linear(d_in → P).</summary>
    public Linear InputLayer => inputLayer;

    /// <summary>The L + 1 convolutions in forward order.</summary>
    public IReadOnlyList<Conv1d> Convolutions => convolutions.ToArray();

    /// <summary>The read-out, Linear(P − 10·(L + 1) → d_out).</summary>
    public Linear Readout => readout;

    /// <inheritdoc />
    public override ForwardPass Forward(Tensor input)
    {
        var hidden = new Tensor[hiddenWidths.Length];
        var h = ActivationOps.Apply(activation, inputLayer.forward(input)); // (B, P)
        hidden[0] = h;
        var x = h.unsqueeze(1); // (B, 1, P)
        for (var k = 1; k <= convolutions.Count; k++)
        {
            var conv = convolutions[k - 1];
            x = ActivationOps.Apply(activation, Convolution.Valid1d(x, conv.weight!, conv.bias)); // (B, C_k, P − 10k)
            hidden[k] = x.flatten(1); // (B, C_k · (P − 10k))
        }
        return new ForwardPass(hidden, readout.forward(hidden[^1])); // (B, d_out)
    }

    private int LengthAfter(int convolutionsApplied) => width - (Kernel - 1) * convolutionsApplied;
}

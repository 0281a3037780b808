using RepAlign.Core;
using RepAlign.Core.Specs;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>
/// The fully connected family: L hidden layers of width P and a linear read-out, weights
/// xavier_normal(gain), biases zero (or absent). <see cref="ModelSpec.Kind"/> picks the variant:
/// <list type="bullet">
/// <item><see cref="ModelKind.Mlp"/>: h_k = act(W_k h_{k−1} + b_k), h_{−1} = x, ŷ = W_L h_{L−1} + b_L.</item>
/// <item><see cref="ModelKind.Resnet"/>: as the MLP, but for 2 ≤ k ≤ L−1 the post-activation output of
/// hidden layer k−2 is added after the activation: h_k = act(W_k h_{k−1} + b_k) + h_{k−2}, where
/// h_{k−2} is itself the (possibly skip-augmented) hidden output k−2. Hidden layers 0 and 1 and the
/// read-out have no skip. This is the reference code's rule "layer n with 1 &lt; n &lt; last adds the
/// activation of layer n−2", "last" being the read-out layer L, so the last hidden layer L−1 does get
/// its skip; the exported <c>hidden_k</c> is h_k after the addition.</item>
/// <item><see cref="ModelKind.Dropout"/>: dropout(p) is applied to the input of every linear layer,
/// the read-out included: h_k = act(W_k dropout(h_{k−1}) + b_k). In training mode a kept unit is scaled
/// by 1/(1−p) (PyTorch's inverted dropout) with a mask drawn from the network's own generator, so runs
/// are reproducible and parallel runs independent; in eval mode and in the ONNX export dropout is the
/// identity.</item>
/// </list>
/// </summary>
public sealed class Mlp : RepNetwork
{
    private readonly ModuleList<Linear> layers = new();
    private readonly Activation activation;
    private readonly int[] hiddenWidths;
    private readonly bool residual;
    private readonly double dropoutP;
    private readonly Generator? dropoutGenerator;

    /// <summary>Builds the network of <paramref name="spec"/> (kind mlp, resnet or dropout) and initialises it from <paramref name="generator"/>.</summary>
    public Mlp(ModelSpec spec, int inputDim, int outputDim, Generator generator) : base(nameof(Mlp))
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(generator);
        if (spec.Kind is not (ModelKind.Mlp or ModelKind.Resnet or ModelKind.Dropout))
            Throw.Argument(nameof(spec), $"Mlp builds kinds mlp, resnet and dropout, not {spec.Kind}");
        activation = spec.Activation;
        residual = spec.Kind == ModelKind.Resnet;
        dropoutP = spec.Kind == ModelKind.Dropout ? spec.DropoutP : 0.0;
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
        if (spec.Kind == ModelKind.Dropout)
        {
            // The masks' own stream, seeded from the initialisation stream after the weights are drawn.
            using var seed = randint(0, int.MaxValue, [1], dtype: ScalarType.Int64, generator: generator);
            dropoutGenerator = new Generator((ulong)seed.item<long>(), CPU);
        }
    }

    /// <inheritdoc />
    public override int InputDim { get; }

    /// <inheritdoc />
    public override int OutputDim { get; }

    /// <inheritdoc />
    public override IReadOnlyList<int> HiddenWidths => hiddenWidths;

    /// <inheritdoc />
    public override bool IsStochastic => dropoutGenerator is not null;

    /// <summary>The linear layers, hidden ones first, the read-out last.</summary>
    public IReadOnlyList<Linear> Layers => layers.ToArray();

    /// <summary>The nonlinearity after every hidden linear layer.</summary>
    public Activation Activation => activation;

    /// <summary>Whether hidden layers add the output of the layer two below (<see cref="ModelKind.Resnet"/>; see <see cref="HasSkip"/>).</summary>
    public bool IsResidual => residual;

    /// <summary>Whether hidden layer <paramref name="k"/> of a resnet of depth <paramref name="depth"/> adds hidden output k−2 (2 ≤ k ≤ L−1).</summary>
    public static bool HasSkip(int k, int depth) => k >= 2 && k <= depth - 1;

    /// <inheritdoc />
    public override ForwardPass Forward(Tensor input)
    {
        var hidden = new Tensor[Depth];
        var x = input; // (B, d_in)
        for (var k = 0; k < Depth; k++)
        {
            x = ActivationOps.Apply(activation, layers[k].forward(Drop(x))); // (B, P)
            if (residual && HasSkip(k, Depth)) x = OwnedScalars.Add(x, hidden[k - 2]); // (B, P)
            hidden[k] = x;
        }
        return new ForwardPass(hidden, layers[Depth].forward(Drop(x))); // (B, d_out)
    }

    /// <summary>Inverted dropout in training mode with the network's generator; the identity otherwise.</summary>
    private Tensor Drop(Tensor x)
    {
        if (dropoutGenerator is null || !training || dropoutP == 0) return x;
        using var keep = empty_like(x).bernoulli_(1.0 - dropoutP, dropoutGenerator); // (B, n) of 0/1
        using var scale = (1.0 / (1.0 - dropoutP)).ToScalar(); // explicit, not left to the finaliser thread
        using var kept = x.mul(keep);
        return kept.mul(scale);
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) dropoutGenerator?.Dispose();
        base.Dispose(disposing);
    }
}

using RepAlign.Core;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>
/// The fast training step of a plain fully connected network (<see cref="ModelKind.Mlp"/> with activation none, relu or
/// leaky_relu, every hidden layer at least 2 wide): the forward pass runs without autograd, and the backward pass is
/// written out with the very operations autograd runs for it, layer by layer from the read-out down:
/// <list type="bullet">
/// <item>loss gradient δ = (ŷ − y)·(2 / numel)·s, s = 0.5 for 0.5·MSE and 1 for MSE (mse_loss_backward, then the
/// multiplication's backward);</item>
/// <item>below = δ·W_k (the input gradient of <c>addmm</c>, taken before W_k changes);</item>
/// <item>∂W_k = δᵀ·h_{k−1}, written by <c>addmm_</c> with β = 0 into one scratch buffer that every layer and step reuses,
/// and applied at once (<see cref="ParameterUpdate.Apply"/>), while it is still in cache; ∂b_k = Σ_rows δ;</item>
/// <item>δ ← below where h_{k−1} &gt; 0, else below·slope (leaky_relu_backward: h &gt; 0 exactly where its input is),
/// below with 0 where h_{k−1} ≤ 0 (relu's threshold_backward), or below (none).</item>
/// </list>
/// Nothing is zeroed, accumulated or kept between steps, and no gradient is allocated: the reference step
/// (autograd, <c>.grad</c> zeroed then accumulated, then a per-parameter update) moves every gradient through memory
/// three more times. The weights after every step are bit-identical to the reference's (tests compare them), and
/// <see cref="TrainingSession"/> uses the reference for every network this class does not support.
/// </summary>
internal sealed class MlpBackprop : IDisposable
{
    private static readonly Scalar Half = 0.5.ToScalar(); // owned: implicit Scalars are left to the finaliser thread
    private static readonly Scalar Zero = 0.0.ToScalar();
    private static readonly Scalar Slope = ActivationOps.LeakySlope.ToScalar();
    private readonly Mlp network;
    private readonly Linear[] layers;
    private readonly (int Weight, int Bias)[] positions;
    private readonly ParameterUpdate update;
    private readonly Tensor scratch; // (largest weight's numel): ∂W of one layer at a time
    private readonly Tensor[] gradients; // per layer, a view of scratch shaped as its weight (out, in)
    private readonly long[][] biasShapes; // per layer, [out]

    /// <summary>Whether <paramref name="network"/> can train on this path (otherwise the reference step).</summary>
    public static bool Supports(RepNetwork network) =>
        network is Mlp { IsResidual: false, IsStochastic: false } mlp
        && mlp.Activation is Activation.None or Activation.Relu or Activation.LeakyRelu
        && mlp.HiddenWidths.All(w => w >= 2); // a 1-wide input to a layer makes autograd take another (column-major) form

    /// <summary>The fast step of <paramref name="network"/>, updating its parameters through <paramref name="update"/>.</summary>
    public MlpBackprop(RepNetwork network, ParameterUpdate update)
    {
        if (!Supports(network)) Throw.Invariant($"MlpBackprop does not support {network.GetType().Name}");
        this.network = (Mlp)network;
        this.update = update;
        layers = this.network.Layers.ToArray();
        positions = layers.Select(l => (update.IndexOf(Weight(l)), l.bias is { } b ? update.IndexOf(b) : -1)).ToArray();
        scratch = empty(layers.Max(l => Weight(l).numel())).DetachFromDisposeScope();
        gradients = layers.Select(l => scratch.narrow(0, 0, Weight(l).numel()).view(Weight(l).shape).DetachFromDisposeScope()).ToArray();
        biasShapes = layers.Select(l => new[] { Weight(l).shape[0] }).ToArray();
    }

    /// <summary>The forward pass the step differentiates, without autograd (the network has no dropout). Call inside a dispose scope.</summary>
    public ForwardPass Forward(Tensor x)
    {
        using var noGrad = no_grad();
        return network.Forward(x); // (B, d_in) → hidden (B, P), output (B, d_out)
    }

    /// <summary>
    /// One optimiser step on the <paramref name="loss"/> gradient of <paramref name="pass"/> (<see cref="Forward"/> of
    /// <paramref name="x"/>) against targets <paramref name="y"/>. Call inside a dispose scope.
    /// </summary>
    public void Step(Tensor x, ForwardPass pass, Tensor y, LossKind loss)
    {
        using var noGrad = no_grad();
        update.BeginStep();
        var delta = pass.Output.sub(y); // (B, d_out)
        using (var norm = (2.0 / delta.numel()).ToScalar()) delta.mul_(norm);
        if (loss == LossKind.HalfMse) delta.mul_(Half);
        for (var k = layers.Length - 1; k >= 0; k--)
        {
            var weight = Weight(layers[k]); // (out, in)
            var input = k == 0 ? x : pass.Hidden[k - 1]; // (B, in)
            var below = k > 0 ? delta.mm(weight) : null; // (B, in)
            gradients[k].addmm_(delta.t(), input, 0f, 1f); // (out, in)
            update.Apply(positions[k].Weight, gradients[k]);
            if (positions[k].Bias >= 0) update.Apply(positions[k].Bias, delta.sum([0L], keepdim: true).view(biasShapes[k])); // (out)
            if (below is not null) delta = ActivationGradient(below, pass.Hidden[k - 1]); // (B, in)
        }
    }

    /// <summary>The gradient at a layer's input from the gradient at its output <paramref name="h"/>.</summary>
    private Tensor ActivationGradient(Tensor below, Tensor h) => network.Activation switch
    {
        Activation.LeakyRelu => where(h.gt(Zero), below, below.mul(Slope)),
        Activation.Relu => below.masked_fill_(h.le(Zero), Zero),
        _ => below,
    };

    private static Tensor Weight(Linear layer) => layer.weight ?? Throw.Invariant<Tensor>("linear layer without weight");

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var g in gradients) g.Dispose();
        scratch.Dispose();
    }
}

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
/// and applied at once (<see cref="ParameterUpdate.Apply"/>), while it is still in cache; for SGD with few rows, the
/// gradient and the update in one pass over the weight instead (<see cref="SgdOuterKernel"/>), where a check of the
/// shape finds that pass bit-identical to those two operations (<see cref="FusedUpdate"/>); ∂b_k = Σ_rows δ;</item>
/// <item>δ ← below where h_{k−1} &gt; 0, else below·slope (leaky_relu_backward: h &gt; 0 exactly where its input is),
/// below with 0 where h_{k−1} ≤ 0 (relu's threshold_backward), or below (none).</item>
/// </list>
/// With SGD and at most <see cref="FusedRows"/> rows (the two-point experiments' full batch), kernels that compute exactly
/// what libtorch computes for a layer's shape replace its operations where a check of that shape says so
/// (<see cref="KernelAgreement"/>): the forward pass and leaky relu (<see cref="LinearForwardKernel"/>), and below,
/// ∂W_k, the update and leaky relu's gradient in one pass (<see cref="SgdOuterKernel.StepWithInputGradient"/>), so that
/// each weight is read once forward and read and written once backward. With SGD, leaky relu or no activation and more
/// rows (the MNIST networks), every GEMM of the step is libtorch's own <c>sgemm_</c> and the element-wise work C#
/// (<see cref="BlasLayer"/>), on this thread or shared with a second (<see cref="StepLanes"/>), where a check of every
/// layer's shape says so (<see cref="InLanes"/>).
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
    private readonly Tensor[] weights; // per layer, (out, in)
    private readonly Tensor?[] biases; // per layer, (out) or none
    private readonly (long Out, long In)[] shapes; // per layer
    private readonly bool[] plainForward; // per layer: weight and bias contiguous float32, as the forward kernel reads them
    private readonly bool[] plainUpdate; // per layer: SGD of a contiguous float32 weight, as the update kernels write it
    private readonly bool alignedLayers; // every weight and bias contiguous float32 and where libtorch starts a new tensor, as BlasLayer's check has them
    private readonly Dictionary<(Kernel Kernel, long Rows, int Layer), bool> layerKernels = []; // whether layer k takes the kernel for this many rows
    private readonly Dictionary<(Kernel Kernel, long Rows, long Out, long In, bool Bias, bool Activated), bool> checkedShapes = []; // the checks, once per shape
    private readonly StepLanes? lanes; // the lanes of a step on BLAS (one: this thread; two: shared with a worker), or none
    private readonly Tensor[] laneGradients; // per layer, ∂W (out, in) in the lanes, which update every layer in one phase: not in scratch
    private readonly Action<int> forwardShare, inputGradientShare, updateShare; // the phases the lanes run, made once
    private readonly Dictionary<long, Tensor[]> laneBuffers = []; // per batch size B: every layer's output (B, out_k), then every layer's δ (B, out_k); reused by each step of B rows
    private Tensor? laneInput; // the step the lanes work on: its input (B, d_in),
    private Tensor[] laneOutputs = []; // every layer's output, hidden then read-out (B, out_k),
    private Tensor[] laneDeltas = []; // every layer's δ (B, out_k) on the backward pass,

    /// <summary>The kernels of the fast step, each checked against the libtorch operations it replaces.</summary>
    private enum Kernel
    {
        /// <summary><see cref="LinearForwardKernel"/> against <c>linear</c> (and leaky relu).</summary>
        Forward,

        /// <summary><see cref="SgdOuterKernel.Step"/> against <c>addmm_</c> and the update.</summary>
        Update,

        /// <summary><see cref="SgdOuterKernel.StepWithInputGradient"/>'s δ·W against <c>mm</c> (and leaky relu's gradient).</summary>
        InputGradient,

        /// <summary><see cref="BlasLayer"/> in the lanes' shares against libtorch's operations (<see cref="KernelAgreement.Shares"/>).</summary>
        Blas,
    }

    /// <summary>
    /// Whether layer <paramref name="k"/> takes <paramref name="kernel"/> for <paramref name="rows"/> rows: remembered per
    /// layer, and checked (<paramref name="check"/>) once per shape, so that the 19 equal layers of a 20×500 network share one check.
    /// </summary>
    private bool Takes(Kernel kernel, long rows, int k, bool activated, Func<bool> check)
    {
        if (layerKernels.TryGetValue((kernel, rows, k), out var takes)) return takes;
        var shape = (kernel, rows, shapes[k].Out, shapes[k].In, biases[k] is not null, activated);
        if (!checkedShapes.TryGetValue(shape, out takes)) checkedShapes[shape] = takes = check();
        layerKernels[(kernel, rows, k)] = takes;
        return takes;
    }

    private int Taking(Kernel kernel) => layerKernels.Count(e => e.Key.Kernel == kernel && e.Value);

    /// <summary>
    /// The most rows for which a weight's update is fused with its gradient (<see cref="SgdOuterKernel"/>). With one or
    /// two rows the update is bound by its passes over the weights, which the fusion halves: 0.51–0.58 of libtorch's
    /// time on the two-point network's weights and 0.68–0.71 on the MNIST network's; at four rows they are even, and
    /// beyond that libtorch's GEMM multiplies faster than the kernel's one row at a time
    /// (benchmarks/results/train-profile-linux-x64.md, section 5).
    /// </summary>
    internal const int FusedRows = 2;

    /// <summary>Whether <paramref name="network"/> can train on this path (otherwise the reference step).</summary>
    public static bool Supports(RepNetwork network) =>
        network is Mlp { IsResidual: false, IsStochastic: false } mlp
        && mlp.Activation is Activation.None or Activation.Relu or Activation.LeakyRelu
        && mlp.HiddenWidths.All(w => w >= 2); // a 1-wide input to a layer makes autograd take another (column-major) form

    /// <summary>
    /// Whether a step of more than <see cref="FusedRows"/> rows of <paramref name="network"/> can run on BLAS in lanes
    /// (<see cref="InLanes"/>): SGD, leaky relu or no activation, and libtorch's <c>sgemm_</c> at hand.
    /// </summary>
    public static bool LanesApply(RepNetwork network, ParameterUpdate update) =>
        Supports(network) && update.IsSgd && ((Mlp)network).Activation is Activation.LeakyRelu or Activation.None && Native.Blas.Available;

    /// <summary>
    /// The fast step of <paramref name="network"/>, updating its parameters through <paramref name="update"/>; with
    /// <paramref name="lanes"/> 1 or 2 (where <see cref="LanesApply"/>), a step of more than <see cref="FusedRows"/> rows
    /// runs on BLAS, on this thread or shared with a second one (<see cref="InLanes"/>).
    /// </summary>
    public MlpBackprop(RepNetwork network, ParameterUpdate update, int lanes = 0)
    {
        if (!Supports(network)) Throw.Invariant($"MlpBackprop does not support {network.GetType().Name}");
        this.network = (Mlp)network;
        this.update = update;
        layers = this.network.Layers.ToArray();
        positions = layers.Select(l => (update.IndexOf(Weight(l)), l.bias is { } b ? update.IndexOf(b) : -1)).ToArray();
        scratch = empty(layers.Max(l => Weight(l).numel())).DetachFromDisposeScope();
        gradients = layers.Select(l => scratch.narrow(0, 0, Weight(l).numel()).view(Weight(l).shape).DetachFromDisposeScope()).ToArray();
        weights = layers.Select(Weight).ToArray();
        biases = layers.Select(l => l.bias).ToArray();
        shapes = weights.Select(w => (w.shape[0], w.shape[1])).ToArray();
        plainForward = layers.Select((l, k) => ParameterUpdate.Fusable(weights[k]) && (biases[k] is not { } b || ParameterUpdate.Fusable(b))).ToArray();
        plainUpdate = positions.Select(p => update.OuterProductFusable(p.Weight)).ToArray();
        alignedLayers = plainForward.All(p => p) && weights.All(FloatSpans.Aligned) && biases.All(b => b is null || FloatSpans.Aligned(b));
        forwardShare = ForwardShare;
        inputGradientShare = InputGradientsShare;
        updateShare = UpdatesShare;
        if (lanes is < 0 or > 2 || (lanes > 0 && !LanesApply(network, update))) Throw.Invariant($"{lanes} lanes for a step that cannot take them");
        this.lanes = lanes > 0 ? new StepLanes(lanes) : null;
        laneGradients = lanes > 0 ? weights.Select(w => empty_like(w).DetachFromDisposeScope()).ToArray() : [];
    }

    /// <summary>How many (rows, layer) pairs so far took each kernel: the forward pass, the input gradient with the update, the update.</summary>
    public (int Forward, int InputGradient, int Update) KernelShapes => (Taking(Kernel.Forward), Taking(Kernel.InputGradient), Taking(Kernel.Update));

    /// <summary>How many (rows, layer) pairs so far ran on BLAS in lanes (<see cref="InLanes"/>), and in how many lanes.</summary>
    public (int Shapes, int Lanes) LaneShapes => (Taking(Kernel.Blas), lanes?.Count ?? 0);

    /// <summary>
    /// The forward pass the step differentiates, without autograd (the network has no dropout): the network's own, or,
    /// for at most <see cref="FusedRows"/> rows, each layer's <c>linear</c> by <see cref="LinearForwardKernel"/> where
    /// its check found the two bit-identical (<see cref="KernelForward"/>), then the network's activation.
    /// Call inside a dispose scope.
    /// </summary>
    public ForwardPass Forward(Tensor x)
    {
        using var noGrad = no_grad();
        var rows = x.shape[0];
        if (InLanes(x)) return ForwardInLanes(x);
        if (rows > FusedRows || !ParameterUpdate.Fusable(x)) return network.Forward(x); // (B, d_in) → hidden (B, P), output (B, d_out)
        var hidden = new Tensor[layers.Length - 1];
        var h = x; // (B, d_in)
        for (var k = 0; ; k++)
        {
            var last = k == layers.Length - 1;
            var leaky = !last && network.Activation == Activation.LeakyRelu; // the kernel applies it
            if (KernelForward(k, rows, leaky))
            {
                var y = Linear(k, h, leaky); // (B, out)
                if (last) return new ForwardPass(hidden, y);
                h = hidden[k] = leaky ? y : ActivationOps.Apply(network.Activation, y); // (B, P)
                continue;
            }
            var linear = layers[k].forward(h); // (B, out)
            if (last) return new ForwardPass(hidden, linear);
            h = hidden[k] = ActivationOps.Apply(network.Activation, linear); // (B, P)
        }
    }

    /// <summary>Layer <paramref name="k"/>'s x·Wᵀ + b by <see cref="LinearForwardKernel"/>, then leaky relu when <paramref name="leaky"/>, in a new tensor (B, out).</summary>
    private Tensor Linear(int k, Tensor x, bool leaky)
    {
        var y = empty([x.shape[0], shapes[k].Out]); // (B, out)
        LinearForwardKernel.Forward(FloatSpans.Of(x), FloatSpans.Of(weights[k]), biases[k] is { } b ? FloatSpans.Of(b) : [], FloatSpans.Of(y), checked((int)x.shape[0]),
            leaky ? LeakySlope : null);
        return y;
    }

    /// <summary>The leaky relu's slope as libtorch applies it to float32 (the Scalar converted once).</summary>
    private const float LeakySlope = (float)ActivationOps.LeakySlope;

    /// <summary>
    /// Whether layer <paramref name="k"/>'s forward pass of <paramref name="rows"/> rows (with its leaky relu when
    /// <paramref name="leaky"/>) takes <see cref="LinearForwardKernel"/> (checked once per shape).
    /// </summary>
    private bool KernelForward(int k, long rows, bool leaky)
    {
        return plainForward[k] && Takes(Kernel.Forward, rows, k, leaky,
            () => KernelAgreement.Forward(rows, shapes[k].Out, shapes[k].In, biases[k] is not null, leaky ? LeakySlope : null));
    }

    /// <summary>
    /// One optimiser step on the <paramref name="loss"/> gradient of <paramref name="pass"/> (<see cref="Forward"/> of
    /// <paramref name="x"/>) against targets <paramref name="y"/>. Call inside a dispose scope.
    /// </summary>
    public void Step(Tensor x, ForwardPass pass, Tensor y, LossKind loss)
    {
        using var noGrad = no_grad();
        update.BeginStep();
        if (InLanes(x) && ParameterUpdate.Fusable(y))
        {
            StepInLanes(x, pass, LaneDelta(pass.Output, y, loss));
            return;
        }
        var delta = pass.Output.sub(y); // (B, d_out)
        using (var norm = (2.0 / delta.numel()).ToScalar()) delta.mul_(norm);
        if (loss == LossKind.HalfMse) delta.mul_(Half);
        // The kernels read δ and every layer's input as contiguous float32: x is checked; δ and the hidden outputs are
        // new tensors of libtorch's operations or the kernels, contiguous float32 as x is.
        var plain = ParameterUpdate.Fusable(x) && ParameterUpdate.Fusable(delta);
        var rows = delta.shape[0];
        for (var k = layers.Length - 1; k >= 0; k--)
        {
            var weight = weights[k]; // (out, in)
            var input = k == 0 ? x : pass.Hidden[k - 1]; // (B, in)
            Tensor? below;
            var fusedBelow = k > 0 && plain && FusedInputGradient(k, rows);
            if (fusedBelow)
            {
                below = empty([delta.shape[0], weight.shape[1]]); // (B, in)
                update.ApplyOuterProduct(positions[k].Weight, delta, input, below, Leaky ? LeakySlope : null);
            }
            else if (plain && FusedUpdate(k, rows))
            {
                below = k > 0 ? delta.mm(weight) : null; // (B, in)
                update.ApplyOuterProduct(positions[k].Weight, delta, input);
            }
            else
            {
                below = k > 0 ? delta.mm(weight) : null; // (B, in)
                gradients[k].addmm_(delta.t(), input, 0f, 1f); // (out, in)
                update.Apply(positions[k].Weight, gradients[k]);
            }
            ApplyBias(k, delta);
            if (below is not null) delta = fusedBelow && Leaky ? below : ActivationGradient(network.Activation, below, pass.Hidden[k - 1]); // (B, in)
        }
    }

    /// <summary>
    /// Whether layer <paramref name="k"/>'s weight takes <see cref="ParameterUpdate.ApplyOuterProduct"/> for this batch:
    /// SGD of a contiguous float32 weight, at most <see cref="FusedRows"/> rows, and a shape whose check
    /// (<see cref="KernelAgreement.Update"/>, once per shape) found it bit-identical to
    /// <c>addmm_</c> then <see cref="ParameterUpdate.Apply"/>.
    /// </summary>
    private bool FusedUpdate(int k, long rows)
    {
        return rows <= FusedRows && plainUpdate[k] && Takes(Kernel.Update, rows, k, false, () => update.OuterProductAgrees(rows, shapes[k].Out, shapes[k].In));
    }

    /// <summary>
    /// Whether layer <paramref name="k"/> also computes its input gradient in the update's pass
    /// (<see cref="SgdOuterKernel.StepWithInputGradient"/>): the update is fused (<see cref="FusedUpdate"/>) and a check
    /// of the shape (once per shape) found the kernel's δ·W bit-identical to libtorch's <c>mm</c>.
    /// </summary>
    private bool FusedInputGradient(int k, long rows)
    {
        return FusedUpdate(k, rows) && Takes(Kernel.InputGradient, rows, k, Leaky,
            () => KernelAgreement.InputGradient(rows, shapes[k].Out, shapes[k].In, Leaky ? LeakySlope : null));
    }

    /// <summary>
    /// Whether the step of <paramref name="x"/> runs on BLAS in the lanes (<see cref="BlasLayer"/>): they exist,
    /// <paramref name="x"/> has more than <see cref="FusedRows"/> rows and is a contiguous float32 tensor that starts where
    /// libtorch starts a new one (as every tensor of the check does), every weight and bias is one too, and for every
    /// layer the check of its shape in the lanes' shares (<see cref="KernelAgreement.Shares"/>, once per shape) found
    /// them bit-identical to libtorch's operations.
    /// </summary>
    private bool InLanes(Tensor x)
    {
        var rows = x.shape[0];
        if (lanes is null || !alignedLayers || rows <= FusedRows || !ParameterUpdate.Fusable(x) || !FloatSpans.Aligned(x)) return false;
        var last = layers.Length - 1;
        for (var k = 0; k <= last; k++)
        {
            var layer = k;
            var slope = LaneSlope(k);
            if (!Takes(Kernel.Blas, rows, k, k < last, () => KernelAgreement.Shares(rows, shapes[layer].Out, shapes[layer].In, biases[layer] is not null, slope, update.NegativeLr, lanes.Count)))
                return false;
        }
        return true;
    }

    /// <summary>The slope of the activation after layer <paramref name="k"/> on the BLAS path: leaky relu's, or none (the read-out, or no activation).</summary>
    private float? LaneSlope(int k) => k < layers.Length - 1 && Leaky ? LeakySlope : null;

    /// <summary>
    /// The forward pass on BLAS, each lane layer by layer on its share of the rows, into this object's buffers for the
    /// batch size (<see cref="LaneBuffers"/>), which the next step of as many rows overwrites.
    /// </summary>
    private ForwardPass ForwardInLanes(Tensor x)
    {
        laneInput = x;
        laneOutputs = LaneBuffers(x.shape[0])[..layers.Length]; // (B, out_k)
        try
        {
            lanes!.Run(forwardShare);
            return new ForwardPass(laneOutputs[..^1], laneOutputs[^1]);
        }
        finally
        {
            (laneInput, laneOutputs) = (null, []);
        }
    }

    private unsafe void ForwardShare(int lane)
    {
        var (start, count) = lanes!.Share(lane, laneInput!.shape[0]);
        for (var k = 0; k < layers.Length; k++)
        {
            BlasLayer.Forward(FloatSpans.Address(k == 0 ? laneInput : laneOutputs[k - 1]), FloatSpans.Address(weights[k]), biases[k] is { } b ? FloatSpans.Address(b) : null,
                FloatSpans.Address(laneOutputs[k]), (int)start, (int)count, (int)shapes[k].Out, (int)shapes[k].In, LaneSlope(k));
        }
    }

    /// <summary>
    /// The backward pass and update on BLAS in two phases. First each lane takes δ down through every layer for its
    /// share of the batch's rows (a row of δ below layer k needs only that row of δ_k, and W_k before any update).
    /// Then, with every δ complete and every weight read, each lane computes its share of the rows of every layer's
    /// weight gradient and updates those rows (one lane also the bias, by libtorch).
    /// </summary>
    private void StepInLanes(Tensor x, ForwardPass pass, Tensor delta)
    {
        var last = layers.Length - 1;
        var rows = x.shape[0];
        laneInput = x;
        laneOutputs = [.. pass.Hidden, pass.Output];
        laneDeltas = LaneBuffers(rows)[layers.Length..]; // (B, out_k), written by the lanes below the read-out
        laneDeltas[last] = delta; // (B, d_out)
        try
        {
            lanes!.Run(inputGradientShare);
            lanes.Run(updateShare);
        }
        finally
        {
            (laneInput, laneOutputs, laneDeltas) = (null, [], []);
        }
    }

    /// <summary>
    /// The buffers of the lanes' steps of <paramref name="rows"/> rows, made at the first such step: every layer's output
    /// (B, out_k), then every layer's δ (B, out_k), contiguous float32, where libtorch starts a new tensor.
    /// </summary>
    private Tensor[] LaneBuffers(long rows)
    {
        if (!laneBuffers.TryGetValue(rows, out var buffers))
            laneBuffers[rows] = buffers = [.. shapes.Select(s => empty([rows, s.Out]).DetachFromDisposeScope()), .. shapes.Select(s => empty([rows, s.Out]).DetachFromDisposeScope())];
        return buffers;
    }

    /// <summary>
    /// The loss gradient δ = (ŷ − y)·(2 / numel)·s into the lanes' δ buffer of the read-out, element by element as
    /// libtorch's <c>sub</c> and <c>mul_</c> by the float scalars compute it (s = 0.5 for 0.5·MSE, 1 for MSE).
    /// </summary>
    private unsafe Tensor LaneDelta(Tensor output, Tensor y, LossKind loss)
    {
        var delta = LaneBuffers(output.shape[0])[^1]; // (B, d_out)
        var scale = (float)(2.0 / output.numel());
        var half = loss == LossKind.HalfMse;
        ReadOnlySpan<float> o = FloatSpans.Of(output), target = FloatSpans.Of(y);
        var d = FloatSpans.Of(delta);
        for (var i = 0; i < d.Length; i++)
        {
            var g = (o[i] - target[i]) * scale;
            d[i] = half ? g * 0.5f : g;
        }
        return delta;
    }

    private void InputGradientsShare(int lane)
    {
        for (var k = layers.Length - 1; k >= 1; k--) InputGradientShare(lane, k); // layer 0 has none
    }

    private void UpdatesShare(int lane)
    {
        for (var k = layers.Length - 1; k >= 0; k--) UpdateShare(lane, k);
    }

    /// <summary>
    /// Lane <paramref name="lane"/>'s share of layer <paramref name="k"/>'s weight rows: their gradient and update; and
    /// the bias, by libtorch, on lane k mod lanes (the lanes take turns, so that neither waits for the other's).
    /// </summary>
    private unsafe void UpdateShare(int lane, int k)
    {
        var delta = laneDeltas[k]; // (B, out)
        var (start, count) = lanes!.Share(lane, shapes[k].Out);
        BlasLayer.Update(FloatSpans.Address(delta), FloatSpans.Address(k == 0 ? laneInput! : laneOutputs[k - 1]), FloatSpans.Address(laneGradients[k]), FloatSpans.Address(weights[k]),
            (int)start, (int)count, (int)delta.shape[0], (int)shapes[k].Out, (int)shapes[k].In, update.NegativeLr);
        if (lane == k % lanes.Count) ApplyBias(k, delta);
    }

    /// <summary>Layer <paramref name="k"/>'s bias update, if it has a bias, from its δ (B, out): ∂b = Σ_rows δ by libtorch's <c>sum</c>.</summary>
    private void ApplyBias(int k, Tensor delta)
    {
        if (positions[k].Bias >= 0) update.Apply(positions[k].Bias, delta.sum([0L])); // (out)
    }

    /// <summary>Lane <paramref name="lane"/>'s share of the batch's rows of δ below layer <paramref name="k"/> (k ≥ 1), from δ_k and W_k before its update.</summary>
    private unsafe void InputGradientShare(int lane, int k)
    {
        var (start, count) = lanes!.Share(lane, laneDeltas[k].shape[0]);
        BlasLayer.InputGradient(FloatSpans.Address(laneDeltas[k]), FloatSpans.Address(weights[k]), FloatSpans.Address(laneOutputs[k - 1]), FloatSpans.Address(laneDeltas[k - 1]),
            (int)start, (int)count, (int)shapes[k].Out, (int)shapes[k].In, LaneSlope(k - 1));
    }

    /// <summary>Whether the kernels apply the network's activation (leaky relu) and its gradient themselves.</summary>
    private bool Leaky => network.Activation == Activation.LeakyRelu;

    /// <summary>
    /// The gradient before <paramref name="activation"/> from the gradient <paramref name="below"/> after it, with
    /// <paramref name="h"/> the activation's output.
    /// </summary>
    internal static Tensor ActivationGradient(Activation activation, Tensor below, Tensor h) => activation switch
    {
        Activation.LeakyRelu => where(h.gt(Zero), below, below.mul(Slope)),
        Activation.Relu => below.masked_fill_(h.le(Zero), Zero),
        _ => below,
    };

    private static Tensor Weight(Linear layer) => layer.weight ?? Throw.Invariant<Tensor>("linear layer without weight");

    /// <inheritdoc />
    public void Dispose()
    {
        lanes?.Dispose();
        foreach (var g in laneGradients) g.Dispose();
        foreach (var buffer in laneBuffers.Values.SelectMany(b => b)) buffer.Dispose();
        foreach (var g in gradients) g.Dispose();
        scratch.Dispose();
    }
}

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
/// rows (the MNIST networks), the whole step is RepAlign's own kernels (<see cref="FmaLayer"/>), on this thread or shared
/// with a second (<see cref="StepLanes"/>): every sum is a chain of fused multiply-adds in a fixed order, so the weights
/// are the same bit for bit with one lane or two and on any machine, and differ from the reference's by float32 rounding
/// only (libtorch's BLAS sums in another order; tests bound the difference, and benchmarks/crosscheck checks it against
/// PyTorch).
/// Nothing is zeroed, accumulated or kept between steps, and no gradient is allocated: the reference step
/// (autograd, <c>.grad</c> zeroed then accumulated, then a per-parameter update) moves every gradient through memory
/// three more times. Outside the lanes the weights after every step are bit-identical to the reference's (tests compare
/// them), and <see cref="TrainingSession"/> uses the reference for every network this class does not support.
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
    private readonly bool plainLayers; // every weight and bias contiguous float32, as the lanes' kernels read and write them
    private readonly Dictionary<(Kernel Kernel, long Rows, int Layer), bool> layerKernels = []; // whether layer k takes the kernel for this many rows
    private readonly Dictionary<(Kernel Kernel, long Rows, long Out, long In, bool Bias, bool Activated), bool> checkedShapes = []; // the checks, once per shape
    private readonly StepLanes? lanes; // the lanes of a step on FmaLayer (one: this thread; two: shared with a worker), or none
    private readonly Action<int> forwardShare, backwardShare, updateShare; // the phases the lanes run, made once
    private readonly Dictionary<long, LaneBatch> laneBatches = []; // per batch size B, the lanes' buffers, reused by each step of B rows
    private LaneBatch? laneBatch; // the step the lanes work on: its buffers,
    private Tensor? laneInput; // its input (B, d_in),
    private Tensor? laneTarget; // its targets (B, d_out) on the backward pass,
    private bool laneHalfMse; // and whether its loss is 0.5·MSE

    /// <summary>The kernels of the fast step, each checked against the libtorch operations it replaces.</summary>
    private enum Kernel
    {
        /// <summary><see cref="LinearForwardKernel"/> against <c>linear</c> (and leaky relu).</summary>
        Forward,

        /// <summary><see cref="SgdOuterKernel.Step"/> against <c>addmm_</c> and the update.</summary>
        Update,

        /// <summary><see cref="SgdOuterKernel.StepWithInputGradient"/>'s δ·W against <c>mm</c> (and leaky relu's gradient).</summary>
        InputGradient,

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
    /// Whether a step of more than <see cref="FusedRows"/> rows of <paramref name="network"/> can run in lanes
    /// (<see cref="InLanes"/>): SGD, and leaky relu or no activation.
    /// </summary>
    public static bool LanesApply(RepNetwork network, ParameterUpdate update) => Supports(network) && LanesTake(update.IsSgd, ((Mlp)network).Activation);

    /// <summary>Whether the lanes take an MLP's steps of more than <see cref="FusedRows"/> rows under this optimiser and activation: SGD, and leaky relu or none.</summary>
    public static bool LanesTake(bool sgd, Activation activation) => sgd && activation is Activation.LeakyRelu or Activation.None;

    /// <summary>
    /// The fast step of <paramref name="network"/>, updating its parameters through <paramref name="update"/>; with
    /// <paramref name="lanes"/> 1 or 2 (where <see cref="LanesApply"/>), a step of more than <see cref="FusedRows"/> rows
    /// runs on <see cref="FmaLayer"/>, on this thread or shared with a second one (<see cref="InLanes"/>).
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
        plainLayers = plainForward.All(p => p);
        forwardShare = ForwardShare;
        backwardShare = BackwardShare;
        updateShare = UpdateShare;
        if (lanes is < 0 or > 2 || (lanes > 0 && !LanesApply(network, update))) Throw.Invariant($"{lanes} lanes for a step that cannot take them");
        this.lanes = lanes > 0 ? new StepLanes(lanes) : null;
    }

    /// <summary>How many (rows, layer) pairs so far took each kernel: the forward pass, the input gradient with the update, the update.</summary>
    public (int Forward, int InputGradient, int Update) KernelShapes => (Taking(Kernel.Forward), Taking(Kernel.InputGradient), Taking(Kernel.Update));

    /// <summary>How many (rows, layer) pairs so far ran in lanes (<see cref="InLanes"/>), and in how many lanes.</summary>
    public (int Shapes, int Lanes) LaneShapes => (laneBatches.Count * layers.Length, lanes?.Count ?? 0);

    /// <summary>
    /// The forward pass the step differentiates, without autograd (the network has no dropout): the network's own, or,
    /// for at most <see cref="FusedRows"/> rows, each layer's <c>linear</c> by <see cref="LinearForwardKernel"/> where
    /// its check found the two bit-identical (<see cref="KernelForward"/>), then the network's activation.
    /// Call inside a dispose scope.
    /// </summary>
    public ForwardPass Forward(Tensor x)
    {
        using var noGrad = no_grad();
        var rows = x.size(0); // size(0), not shape[0]: shape copies every dimension out of libtorch, about 1 µs a call
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
                var y = Linear(k, h, rows, leaky); // (B, out)
                if (last) return new ForwardPass(hidden, y);
                h = hidden[k] = leaky ? y : ActivationOps.Apply(network.Activation, y); // (B, P)
                continue;
            }
            var linear = layers[k].forward(h); // (B, out)
            if (last) return new ForwardPass(hidden, linear);
            h = hidden[k] = ActivationOps.Apply(network.Activation, linear); // (B, P)
        }
    }

    /// <summary>Layer <paramref name="k"/>'s x·Wᵀ + b for the <paramref name="rows"/> rows of x by <see cref="LinearForwardKernel"/>, then leaky relu when <paramref name="leaky"/>, in a new tensor (B, out).</summary>
    private Tensor Linear(int k, Tensor x, long rows, bool leaky)
    {
        var y = empty([rows, shapes[k].Out]); // (B, out)
        LinearForwardKernel.Forward(FloatSpans.Of(x), FloatSpans.Of(weights[k]), biases[k] is { } b ? FloatSpans.Of(b) : [], FloatSpans.Of(y), checked((int)rows),
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
            StepInLanes(x, y, loss);
            return;
        }
        var delta = pass.Output.sub(y); // (B, d_out)
        using (var norm = (2.0 / delta.numel()).ToScalar()) delta.mul_(norm);
        if (loss == LossKind.HalfMse) delta.mul_(Half);
        // The kernels read δ and every layer's input as contiguous float32: x is checked; δ and the hidden outputs are
        // new tensors of libtorch's operations or the kernels, contiguous float32 as x is.
        var plain = ParameterUpdate.Fusable(x) && ParameterUpdate.Fusable(delta);
        var rows = delta.size(0);
        for (var k = layers.Length - 1; k >= 0; k--)
        {
            var weight = weights[k]; // (out, in)
            var input = k == 0 ? x : pass.Hidden[k - 1]; // (B, in)
            Tensor? below;
            var fusedBelow = k > 0 && plain && FusedInputGradient(k, rows);
            if (fusedBelow)
            {
                below = empty([rows, shapes[k].In]); // (B, in)
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
    /// Whether the step of <paramref name="x"/> runs in the lanes on <see cref="FmaLayer"/>: they exist,
    /// <paramref name="x"/> has more than <see cref="FusedRows"/> rows and is a contiguous float32 tensor, and so is every
    /// weight and bias.
    /// </summary>
    private bool InLanes(Tensor x) => lanes is not null && plainLayers && x.size(0) > FusedRows && ParameterUpdate.Fusable(x);

    /// <summary>The slope of the activation after layer <paramref name="k"/> in the lanes: leaky relu's, or none (the read-out, or no activation).</summary>
    private float? LaneSlope(int k) => k < layers.Length - 1 && Leaky ? LeakySlope : null;

    /// <summary>
    /// The forward pass in the lanes, each on its columns of the batch (<see cref="FmaLayer.Columns"/>), layer by layer,
    /// feature-major, each layer's output also copied row-major into the buffers that the returned pass holds and the
    /// next step of as many rows overwrites.
    /// </summary>
    private ForwardPass ForwardInLanes(Tensor x)
    {
        var batch = LaneBatchFor(x.size(0));
        (laneBatch, laneInput) = (batch, x);
        try
        {
            lanes!.Run(forwardShare);
            return new ForwardPass(batch.Outputs[..^1], batch.Outputs[^1]);
        }
        finally
        {
            (laneBatch, laneInput) = (null, null);
        }
    }

    private unsafe void ForwardShare(int lane)
    {
        var batch = laneBatch!;
        var (c0, cols, real) = batch.Columns(lane, lanes!.Count);
        var inputs = (int)shapes[0].In;
        FmaLayer.Transpose(FloatSpans.Address(laneInput!), inputs, FloatSpans.Address(batch.InputT), batch.Ld, c0, real, 0, inputs);
        for (var k = 0; k < layers.Length; k++)
        {
            var (outputs, layerInputs) = ((int)shapes[k].Out, (int)shapes[k].In);
            var outputT = FloatSpans.Address(batch.OutputsT[k]);
            FmaLayer.Forward(FloatSpans.Address(weights[k]), biases[k] is { } b ? FloatSpans.Address(b) : null, FloatSpans.Address(k == 0 ? batch.InputT : batch.OutputsT[k - 1]),
                outputT, outputs, layerInputs, batch.Ld, c0, cols, LaneSlope(k));
            FmaLayer.Transpose(outputT, batch.Ld, FloatSpans.Address(batch.Outputs[k]), outputs, 0, outputs, c0, real);
        }
    }

    /// <summary>
    /// The backward pass and update in the lanes, in two phases. First each lane takes δ down through every layer for
    /// its columns of the batch (a column of δ below layer k needs only that column of δ_k, and W_k before any update).
    /// Then, with every δ complete and every weight read, each lane computes its share of the rows of every layer's
    /// weight and bias gradients and updates those rows.
    /// </summary>
    private void StepInLanes(Tensor x, Tensor y, LossKind loss)
    {
        (laneBatch, laneInput, laneTarget, laneHalfMse) = (LaneBatchFor(x.size(0)), x, y, loss == LossKind.HalfMse);
        try
        {
            lanes!.Run(backwardShare);
            lanes.Run(updateShare);
        }
        finally
        {
            (laneBatch, laneInput, laneTarget) = (null, null, null);
        }
    }

    /// <summary>
    /// The lanes' buffers for a batch of <paramref name="rows"/> rows, made at the first such step: the input and every
    /// layer's output and δ feature-major (features, ld), and every layer's output row-major (B, out_k).
    /// </summary>
    private LaneBatch LaneBatchFor(long rows)
    {
        if (!laneBatches.TryGetValue(rows, out var batch)) laneBatches[rows] = batch = new LaneBatch(rows, shapes);
        return batch;
    }

    /// <summary>
    /// Lane <paramref name="lane"/>'s columns of the backward pass: the loss gradient δ = (ŷ − y)·(2 / numel)·s of the
    /// read-out (element by element as libtorch's <c>sub</c> and <c>mul_</c> by the float scalars compute it; s = 0.5
    /// for 0.5·MSE, 1 for MSE), then δ below every layer but the first.
    /// </summary>
    private unsafe void BackwardShare(int lane)
    {
        var batch = laneBatch!;
        var (c0, cols, real) = batch.Columns(lane, lanes!.Count);
        var last = layers.Length - 1;
        var outputs = (int)shapes[last].Out;
        var scale = (float)(2.0 / (batch.Rows * outputs));
        float* prediction = FloatSpans.Address(batch.Outputs[last]), target = FloatSpans.Address(laneTarget!), deltaT = FloatSpans.Address(batch.DeltasT[last]);
        for (var b = c0; b < c0 + real; b++)
            for (var o = 0; o < outputs; o++)
            {
                var g = (prediction[(long)b * outputs + o] - target[(long)b * outputs + o]) * scale;
                deltaT[(long)o * batch.Ld + b] = laneHalfMse ? g * 0.5f : g;
            }
        for (var k = last; k >= 1; k--) // layer 0 has no input gradient
        {
            FmaLayer.InputGradient(FloatSpans.Address(weights[k]), FloatSpans.Address(batch.DeltasT[k]), FloatSpans.Address(batch.OutputsT[k - 1]), FloatSpans.Address(batch.DeltasT[k - 1]),
                (int)shapes[k].Out, (int)shapes[k].In, batch.Ld, c0, cols, LaneSlope(k - 1));
        }
    }

    /// <summary>Lane <paramref name="lane"/>'s share of every layer's weight and bias rows: their gradients over the whole batch, and their update.</summary>
    private unsafe void UpdateShare(int lane)
    {
        var batch = laneBatch!;
        var rows = (int)batch.Rows;
        for (var k = layers.Length - 1; k >= 0; k--)
        {
            var (start, count) = lanes!.Share(lane, shapes[k].Out);
            var deltaT = FloatSpans.Address(batch.DeltasT[k]);
            FmaLayer.Update(deltaT, FloatSpans.Address(k == 0 ? laneInput! : batch.Outputs[k - 1]), FloatSpans.Address(weights[k]), (int)start, (int)count, rows, (int)shapes[k].In,
                batch.Ld, update.NegativeLr);
            if (biases[k] is { } b) FmaLayer.UpdateBias(deltaT, FloatSpans.Address(b), (int)start, (int)count, rows, batch.Ld, update.NegativeLr);
        }
    }

    /// <summary>Layer <paramref name="k"/>'s bias update, if it has a bias, from its δ (B, out): ∂b = Σ_rows δ by libtorch's <c>sum</c>.</summary>
    private void ApplyBias(int k, Tensor delta)
    {
        if (positions[k].Bias >= 0) update.Apply(positions[k].Bias, delta.sum([0L])); // (out)
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
        foreach (var batch in laneBatches.Values) batch.Dispose();
        foreach (var g in gradients) g.Dispose();
        scratch.Dispose();
    }

    /// <summary>
    /// The lanes' buffers for batches of <see cref="Rows"/> rows: the input xᵀ (d_in, ld), every layer's output
    /// (out_k, ld) and δ (out_k, ld) feature-major, and every layer's output row-major (B, out_k), all zeros at first so
    /// that the padding columns are finite.
    /// </summary>
    private sealed class LaneBatch : IDisposable
    {
        public LaneBatch(long rows, (long Out, long In)[] shapes)
        {
            Rows = rows;
            Ld = FmaLayer.Stride(rows);
            InputT = zeros([shapes[0].In, Ld]).DetachFromDisposeScope();
            OutputsT = shapes.Select(s => zeros([s.Out, Ld]).DetachFromDisposeScope()).ToArray();
            DeltasT = shapes.Select(s => zeros([s.Out, Ld]).DetachFromDisposeScope()).ToArray();
            Outputs = shapes.Select(s => zeros([rows, s.Out]).DetachFromDisposeScope()).ToArray();
        }

        public long Rows { get; }

        public int Ld { get; }

        public Tensor InputT { get; }

        public Tensor[] OutputsT { get; }

        public Tensor[] DeltasT { get; }

        public Tensor[] Outputs { get; }

        /// <summary>Lane <paramref name="lane"/>'s columns among <paramref name="lanes"/>: the first, how many (whole vectors), and how many of them are rows of the batch.</summary>
        public (int Start, int Count, int Real) Columns(int lane, int lanes)
        {
            var (start, count) = FmaLayer.Columns(lane, lanes, Ld);
            return (start, count, (int)Math.Clamp(Rows - start, 0, count));
        }

        public void Dispose()
        {
            foreach (var t in OutputsT.Concat(DeltasT).Concat(Outputs).Append(InputT)) t.Dispose();
        }
    }
}

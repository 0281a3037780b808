using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>
/// SGD and Adam steps written with explicitly owned <see cref="Scalar"/>s. TorchSharp's own optimisers convert
/// doubles to Scalars implicitly and leave them to the garbage collector; with trials training in parallel the
/// finaliser thread freed such a Scalar while libtorch still read it (seen as a "toFloat" check failure inside
/// <c>add_</c> that aborted a sweep). The same holds for the implicit alpha of the one-argument <c>add_(Scalar)</c>
/// (seen as "Expected false to be true" in the Adam step of parallel trials), so every call names its alpha.
/// Every Scalar here is created once per session or once per step and disposed by this class.
/// A step is <see cref="BeginStep"/>, then <see cref="Apply"/> once for each parameter with its gradient, in any
/// order: <see cref="Step"/> does that with the gradients autograd left in <c>.grad</c>; the fast path
/// (<see cref="MlpBackprop"/>) applies each layer's gradient as soon as it is computed. With <c>fused</c>, Adam on
/// contiguous float32 tensors takes <see cref="AdamKernel"/>'s two passes instead of eight operations, bit-identical.
/// </summary>
internal sealed class ParameterUpdate : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly TorchSharp.Modules.Parameter[] parameters;
    private readonly Dictionary<IntPtr, int> indexOf;
    private readonly bool adam;
    private readonly bool fused;
    private readonly double lr;
    private readonly Scalar negativeLr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, one;
    private readonly Tensor[] firstMoment, secondMoment;
    private Scalar? stepSize, correction2;
    private long steps;

    /// <summary>
    /// An SGD (<paramref name="adam"/> false) or Adam (default betas 0.9, 0.999, ε 1e−8) update of <paramref name="parameters"/>;
    /// <paramref name="fused"/> lets Adam use <see cref="AdamKernel"/> where it can (the same numbers).
    /// </summary>
    public ParameterUpdate(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr, bool adam, bool fused = false)
    {
        this.parameters = parameters.ToArray();
        this.fused = fused;
        indexOf = this.parameters.Select((p, i) => (p.Handle, i)).ToDictionary(e => e.Handle, e => e.i);
        this.adam = adam;
        this.lr = lr;
        negativeLr = (-lr).ToScalar();
        beta1 = Beta1.ToScalar();
        beta2 = Beta2.ToScalar();
        oneMinusBeta1 = (1 - Beta1).ToScalar();
        oneMinusBeta2 = (1 - Beta2).ToScalar();
        epsilon = Epsilon.ToScalar();
        one = 1.0.ToScalar();
        firstMoment = adam ? this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray() : [];
        secondMoment = adam ? this.parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray() : [];
    }

    /// <summary>The position of <paramref name="parameter"/> among the updated parameters (for <see cref="Apply"/>).</summary>
    public int IndexOf(Tensor parameter) =>
        indexOf.TryGetValue(parameter.Handle, out var i) ? i : RepAlign.Core.Throw.Invariant<int>("a parameter the update does not hold");

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    /// <summary>One step on the gradients in <c>.grad</c>: p ← p − lr·g (SGD), or the bias-corrected Adam step.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        BeginStep();
        for (var i = 0; i < parameters.Length; i++)
        {
            using var g = parameters[i].grad;
            if (g is not null) Apply(i, g);
        }
    }

    /// <summary>Starts a step: counts it and, for Adam, makes its bias corrections.</summary>
    public void BeginStep()
    {
        steps++;
        if (!adam) return;
        stepSize?.Dispose();
        correction2?.Dispose();
        stepSize = (-lr / (1 - Math.Pow(Beta1, steps))).ToScalar();
        correction2 = Math.Sqrt(1 - Math.Pow(Beta2, steps)).ToScalar();
    }

    /// <summary>
    /// Updates parameter <paramref name="index"/> from its gradient <paramref name="g"/> (read here and not kept, so
    /// the caller may reuse its memory at once). Call without autograd, after <see cref="BeginStep"/>.
    /// </summary>
    public void Apply(int index, Tensor g)
    {
        if (!adam)
        {
            parameters[index].add_(g, negativeLr);
            return;
        }
        if (fused && Fusable(parameters[index]) && Fusable(g))
        {
            ApplyFusedAdam(index, g);
            return;
        }
        firstMoment[index].mul_(beta1).add_(g, oneMinusBeta1);
        secondMoment[index].mul_(beta2).addcmul_(g, g, oneMinusBeta2);
        using var denominator = secondMoment[index].sqrt();
        denominator.div_(correction2!).add_(epsilon, one);
        parameters[index].addcdiv_(firstMoment[index], denominator, stepSize!);
    }

    /// <summary>Whether this is SGD (the lanes of the fast step update weights themselves: <see cref="FmaLayer.Update"/>).</summary>
    public bool IsSgd => !adam;

    /// <summary>
    /// Whether <see cref="ApplyOuterProduct"/> can update parameter <paramref name="index"/>: SGD of a contiguous float32
    /// CPU tensor.
    /// </summary>
    public bool OuterProductFusable(int index) => !adam && Fusable(parameters[index]);

    /// <summary>
    /// The SGD step of parameter <paramref name="index"/>, a weight (outputs, inputs), by the gradient δᵀ·x without
    /// forming it; <paramref name="delta"/> (rows, outputs) and <paramref name="input"/> (rows, inputs) contiguous
    /// float32. With a <paramref name="below"/> (rows, inputs), the same pass also writes the layer's input gradient δ·W
    /// (with the weight before the step), then through leaky relu's gradient with a <paramref name="leakySlope"/>
    /// (<see cref="SgdOuterKernel.StepWithInputGradient"/>). The same as <see cref="Apply"/> of libtorch's δᵀ·x only where
    /// its GEMM rounds as the kernel does: <see cref="MlpBackprop"/> asks <see cref="KernelAgreement"/> for each shape first.
    /// </summary>
    public void ApplyOuterProduct(int index, Tensor delta, Tensor input, Tensor? below = null, float? leakySlope = null) =>
        SgdOuterKernel.StepWithInputGradient(FloatSpans.Of(parameters[index]), FloatSpans.Of(delta), FloatSpans.Of(input),
            below is null ? [] : FloatSpans.Of(below), checked((int)delta.size(0)), NegativeLr, leakySlope);

    /// <summary>−lr as libtorch's <c>add_(g, −lr)</c> applies it to float32 (the Scalar converted once).</summary>
    public float NegativeLr => negativeLr.ToSingle();

    /// <summary>Whether <see cref="ApplyOuterProduct"/> of a weight of this shape equals libtorch's gradient and update (<see cref="KernelAgreement.Update"/>).</summary>
    public bool OuterProductAgrees(long rows, long outputs, long inputs) => KernelAgreement.Update(rows, outputs, inputs, negativeLr);

    internal static bool Fusable(Tensor t) => t.dtype == ScalarType.Float32 && t.device_type == DeviceType.CPU && t.is_contiguous();

    /// <summary>The Adam step of <see cref="Apply"/> in <see cref="AdamKernel"/>'s two passes (each Scalar as libtorch converts it to float32).</summary>
    private void ApplyFusedAdam(int index, Tensor g)
    {
        var m = FloatSpans.Of(firstMoment[index]);
        var v = FloatSpans.Of(secondMoment[index]);
        AdamKernel.Moments(m, v, FloatSpans.Of(g), (float)Beta1, (float)(1 - Beta1), (float)Beta2, (float)(1 - Beta2));
        using var root = secondMoment[index].sqrt(); // libtorch's square root (see AdamKernel)
        AdamKernel.Step(FloatSpans.Of(parameters[index]), m, FloatSpans.Of(root),
            stepSize!.ToSingle(), correction2!.ToSingle(), (float)Epsilon);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in firstMoment) t.Dispose();
        foreach (var t in secondMoment) t.Dispose();
        foreach (var s in new[] { negativeLr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, one }) s.Dispose();
        stepSize?.Dispose();
        correction2?.Dispose();
    }
}

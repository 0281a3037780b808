using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Loop;

/// <summary>
/// SGD and Adam steps written with explicitly owned <see cref="Scalar"/>s. TorchSharp's own optimisers convert
/// doubles to Scalars implicitly and leave them to the garbage collector; with trials training in parallel the
/// finaliser thread freed such a Scalar while libtorch still read it (seen as a "toFloat" check failure inside
/// <c>add_</c> that aborted a sweep). The same holds for the implicit alpha of the one-argument <c>add_(Scalar)</c>
/// (seen as "Expected false to be true" in the Adam step of parallel trials), so every call names its alpha.
/// Every Scalar here is created once per session or disposed where it is made.
/// </summary>
internal sealed class ParameterUpdate : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly TorchSharp.Modules.Parameter[] parameters;
    private readonly bool adam;
    private readonly double lr;
    private readonly Scalar negativeLr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, one;
    private readonly Tensor[] firstMoment, secondMoment;
    private long steps;

    /// <summary>An SGD (<paramref name="adam"/> false) or Adam (default betas 0.9, 0.999, ε 1e−8) update of <paramref name="parameters"/>.</summary>
    public ParameterUpdate(IEnumerable<TorchSharp.Modules.Parameter> parameters, double lr, bool adam)
    {
        this.parameters = parameters.ToArray();
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

    /// <summary>Sets every gradient to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters)
        {
            using var g = p.grad;
            g?.zero_();
        }
    }

    /// <summary>One step: p ← p − lr·g (SGD), or the bias-corrected Adam step.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        steps++;
        using var stepSize = adam ? (-lr / (1 - Math.Pow(Beta1, steps))).ToScalar() : null;
        using var correction2 = adam ? Math.Sqrt(1 - Math.Pow(Beta2, steps)).ToScalar() : null;
        for (var i = 0; i < parameters.Length; i++)
        {
            using var g = parameters[i].grad;
            if (g is null) continue;
            if (!adam)
            {
                parameters[i].add_(g, negativeLr);
                continue;
            }
            firstMoment[i].mul_(beta1).add_(g, oneMinusBeta1);
            secondMoment[i].mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            using var denominator = secondMoment[i].sqrt();
            denominator.div_(correction2!).add_(epsilon, one);
            parameters[i].addcdiv_(firstMoment[i], denominator, stepSize!);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in firstMoment) t.Dispose();
        foreach (var t in secondMoment) t.Dispose();
        foreach (var s in new[] { negativeLr, beta1, beta2, oneMinusBeta1, oneMinusBeta2, epsilon, one }) s.Dispose();
    }
}

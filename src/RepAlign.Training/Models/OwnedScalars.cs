using TorchSharp;
using static TorchSharp.torch;

namespace RepAlign.Training.Models;

/// <summary>
/// Tensor arithmetic with Scalars owned for the process. TorchSharp's convenience forms (<c>a + b</c>, <c>x * 0.5</c>,
/// double arguments) make a temporary Scalar that only the garbage collector frees, and nothing keeps it alive during
/// the native call: the finaliser thread has freed one while libtorch still read it ("Expected false to be true …
/// Scalar.h", an aborted sweep; the CNN's bias add in a smoke reproduction). Every such operation goes through here.
/// </summary>
internal static class OwnedScalars
{
    /// <summary>1, the default alpha of add.</summary>
    public static readonly TorchSharp.Scalar One = 1.0.ToScalar();

    /// <summary>a + b (broadcasting), with an owned alpha = 1 instead of the operator's temporary one.</summary>
    public static Tensor Add(Tensor a, Tensor b) => a.add(b, One);
}

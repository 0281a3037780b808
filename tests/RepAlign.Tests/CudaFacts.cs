using RepAlign.Core.Specs;
using RepAlign.Core;
using RepAlign.Inference;
using Xunit;

namespace RepAlign.Tests;

/// <summary>Whether ONNX Runtime's CUDA provider can be created on this machine (asked once per test run).</summary>
public static class CudaProbe
{
    private static readonly Lazy<string?> Failure = new(() =>
    {
        try
        {
            using var options = OnnxSessionFactory.CreateOptions(new InferenceOptions { Device = Device.Cuda });
            return null;
        }
        catch (WorkFailedException e)
        {
            return e.Message;
        }
    });

    /// <summary>True when the CUDA provider loads (CUDA 13, cuDNN 9 and a GPU present).</summary>
    public static bool Available => Failure.Value is null;

    /// <summary>Why CUDA cannot be used here, or null when it can.</summary>
    public static string? Reason => Failure.Value;
}

/// <summary>A fact that needs CUDA: reported as skipped (with the reason) where the provider cannot load, never passed silently.</summary>
public sealed class CudaFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when CUDA is missing.</summary>
    public CudaFactAttribute()
    {
        if (!CudaProbe.Available) Skip = $"needs ONNX Runtime's CUDA provider: {CudaProbe.Reason}";
    }
}

/// <summary>A fact about behaviour without CUDA (the failure path): reported as skipped on a CUDA machine.</summary>
public sealed class NoCudaFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when CUDA is present.</summary>
    public NoCudaFactAttribute()
    {
        if (CudaProbe.Available) Skip = "CUDA is present here: the missing-library failure cannot be exercised";
    }
}

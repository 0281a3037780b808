using System.Reflection;
using System.Runtime.InteropServices;

namespace RepAlign.Pipelines.Runner;

/// <summary>Versions recorded in every run manifest (provenance).</summary>
public static class RuntimeVersions
{
    /// <summary>RepAlign, .NET, OS, TorchSharp and ONNX Runtime versions.</summary>
    public static SortedDictionary<string, string> Collect() => new(StringComparer.Ordinal)
    {
        ["repalign"] = Informational(typeof(RuntimeVersions).Assembly),
        ["dotnet"] = RuntimeInformation.FrameworkDescription,
        ["os"] = RuntimeInformation.OSDescription,
        ["torchsharp"] = Informational(typeof(TorchSharp.torch).Assembly),
        ["onnxruntime"] = Informational(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly),
    };

    private static string Informational(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? a.GetName().Version?.ToString() ?? "unknown";
}

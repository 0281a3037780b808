using System.Reflection;
using System.Runtime.InteropServices;

namespace RepAlign.Pipelines.Runner;

/// <summary>Versions recorded in every run manifest (provenance).</summary>
public static class RuntimeVersions
{
    /// <summary>RepAlign, .NET, OS and ONNX Runtime versions, and those of the training core (<paramref name="training"/>, e.g. TorchSharp) when the build has one.</summary>
    public static SortedDictionary<string, string> Collect(IReadOnlyDictionary<string, string>? training = null)
    {
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["repalign"] = Informational(typeof(RuntimeVersions).Assembly),
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["onnxruntime"] = Informational(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly),
        };
        foreach (var (name, version) in training ?? new Dictionary<string, string>()) versions[name] = version;
        return versions;
    }

    /// <summary>An assembly's informational version without the source revision (the part after '+').</summary>
    public static string Informational(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? a.GetName().Version?.ToString() ?? "unknown";
}

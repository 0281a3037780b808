using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Microsoft.ML.OnnxRuntime;
using RepAlign.Core;

namespace RepAlign.Inference;

/// <summary>
/// Creates ONNX Runtime sessions on the requested device. <see cref="Device.Cuda"/> either gets the
/// CUDA provider or fails with <see cref="WorkFailedException"/> naming what is missing; it never
/// silently runs on the CPU.
/// </summary>
public static partial class OnnxSessionFactory
{
    /// <summary>Session options for the device; throws <see cref="WorkFailedException"/> when CUDA cannot be used.</summary>
    public static SessionOptions CreateOptions(InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 0) Throw.BadValue("threads", options.Threads.ToString(), "an integer ≥ 0 (0 = default)");
        var so = new SessionOptions
        {
            IntraOpNumThreads = options.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        if (options.Device == Device.Cuda)
        {
            try
            {
                using var cuda = new OrtCUDAProviderOptions();
                cuda.UpdateOptions(CudaProviderOptions(options));
                so.AppendExecutionProvider_CUDA(cuda);
            }
            catch (Exception e) when (e is OnnxRuntimeException or EntryPointNotFoundException or DllNotFoundException)
            {
                so.Dispose();
                Throw.WorkFailed(CudaFailureMessage(e.Message + " " + ProbeCudaProvider()), e);
            }
        }
        return so;
    }

    /// <summary>
    /// The CUDA provider's options: the device, and <c>use_tf32 = 0</c> so that its matrix products run in full float32 like
    /// the CPU provider's (TensorFloat-32 keeps 10 mantissa bits, about 1e−3 relative, far from the 1e−5 at which CUDA and
    /// CPU extractions must agree).
    /// </summary>
    public static Dictionary<string, string> CudaProviderOptions(InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new Dictionary<string, string>
        {
            ["device_id"] = options.CudaDeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["use_tf32"] = "0",
        };
    }

    /// <summary>Opens the model at <paramref name="modelPath"/> on the device; throws <see cref="BadInputException"/> when the file is missing or not a valid model.</summary>
    public static InferenceSession Create(string modelPath, InferenceOptions options)
    {
        if (!File.Exists(modelPath)) Throw.BadValue("model", modelPath, "an existing ONNX file");
        return Create(so => new InferenceSession(modelPath, so), modelPath, options);
    }

    /// <summary>Opens a model held in memory (e.g. a checkpoint's graph with its weights as inputs); <paramref name="source"/> names it in messages.</summary>
    public static InferenceSession Create(byte[] model, string source, InferenceOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Create(so => new InferenceSession(model, so), source, options);
    }

    private static InferenceSession Create(Func<SessionOptions, InferenceSession> open, string modelPath, InferenceOptions options)
    {
        using var so = CreateOptions(options);
        try
        {
            return open(so);
        }
        catch (OnnxRuntimeException e) when (options.Device == Device.Cuda && e.Message.Contains("CUDA", StringComparison.OrdinalIgnoreCase))
        {
            return Throw.WorkFailed<InferenceSession>(CudaFailureMessage(e.Message), e);
        }
        catch (OnnxRuntimeException e)
        {
            return Throw.BadInput<InferenceSession>($"{modelPath}: ONNX Runtime cannot load the model: {e.Message}");
        }
    }

    /// <summary>
    /// The user-facing message for a failed CUDA provider: names the missing library parsed from
    /// ONNX Runtime's error text where there is one, and says what to install or to use <c>--device cpu</c>.
    /// </summary>
    public static string CudaFailureMessage(string ortError)
    {
        var missing = MissingLibrary().Match(ortError ?? "");
        var what = missing.Success
            ? $"the CUDA execution provider cannot load: {missing.Groups["lib"].Value} was not found (cannot open shared object file)"
            : $"the CUDA execution provider cannot be used: {ortError}";
        return $"--device cuda: {what}. ONNX Runtime 1.31's CUDA provider needs the CUDA 13 and cuDNN 9 libraries on the library path " +
               "(e.g. LD_LIBRARY_PATH) and a CUDA-capable GPU; install them, or use --device cpu.";
    }

    /// <summary>
    /// ONNX Runtime reports only "Failed to load shared library"; loading its CUDA provider library
    /// ourselves yields the loader's own error (which dependency is missing). Returns that text, or "".
    /// </summary>
    public static string ProbeCudaProvider()
    {
        const string provider = "libonnxruntime_providers_cuda.so";
        var dirs = (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") as string ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(AppContext.BaseDirectory)
            .Append(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"));
        var path = dirs.Select(d => Path.Combine(d, provider)).FirstOrDefault(File.Exists);
        if (path is null) return $"{provider} is not installed beside the application.";
        try
        {
            NativeLibrary.Load(path);
            return "";
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
    }

    [GeneratedRegex(@"(?<lib>[A-Za-z0-9_.+\-]+\.so(\.[0-9]+)*): cannot open shared object file")]
    private static partial Regex MissingLibrary();
}

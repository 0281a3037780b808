using RepAlign.Core;
using RepAlign.Inference;
using Xunit;

namespace RepAlign.Tests.Inference;

public class OnnxSessionFactoryTests
{
    [Fact]
    public void Cuda_without_libraries_fails_naming_the_missing_library()
    {
        // This machine (and CI) has no CUDA 13: the provider must fail loudly, never fall back to the CPU.
        if (File.Exists("/dev/nvidia0")) return;
        var e = Assert.Throws<WorkFailedException>(() => OnnxSessionFactory.CreateOptions(new InferenceOptions { Device = Device.Cuda }));
        Assert.Matches(@"lib[A-Za-z0-9_]+\.so(\.\d+)* was not found", e.Message);
        Assert.Contains("CUDA 13", e.Message);
        Assert.Contains("cuDNN 9", e.Message);
        Assert.Contains("--device cpu", e.Message);
        Assert.Equal(1, e.ExitCode);
    }

    [Fact]
    public void Message_names_the_library_from_the_runtime_error()
    {
        const string ortError = "[ErrorCode:RuntimeException] /onnxruntime_src/onnxruntime/core/session/provider_bridge_ort.cc:1778 " +
            "onnxruntime::Provider& onnxruntime::ProviderLibrary::Get() [ONNXRuntimeError] : 1 : FAIL : Failed to load library " +
            "libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory";
        var message = OnnxSessionFactory.CudaFailureMessage(ortError);
        Assert.Contains("libcublasLt.so.13 was not found", message);
        Assert.Contains("--device cpu", message);
        Assert.Contains("something else", OnnxSessionFactory.CudaFailureMessage("something else"));
    }

    [Fact]
    public void Missing_model_is_bad_input() =>
        Assert.Throws<BadInputException>(() => OnnxSessionFactory.Create("/nonexistent/model.onnx", new InferenceOptions()));
}

using RepAlign.Core.Specs;
using RepAlign.Training;
using RepAlign.Tests.Training;
using RepAlign.Core;
using RepAlign.Inference;
using Xunit;

namespace RepAlign.Tests.Inference;

public class OnnxSessionFactoryTests
{
    [NoCudaFact]
    public void Cuda_without_libraries_fails_naming_the_missing_library()
    {
        // Without CUDA 13 the provider must fail loudly, never fall back to the CPU.
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

    [CudaFact]
    public void Cuda_and_cpu_give_the_same_outputs_within_1e_5()
    {
        using var dir = new ScratchFolder();
        var request = TrainingFixtures.Tiny(epochs: 20) with { CheckpointEpochs = [20], CheckpointDirectory = dir.Path };
        var checkpoint = PointSetTrainer.Run(request).Checkpoints[^1].Path;
        var points = RepAlign.Core.Data.PointSet.Of(request.Data);
        using var cpu = new OnnxModelRunner(checkpoint, new InferenceOptions { Device = Device.Cpu });
        using var cuda = new OnnxModelRunner(checkpoint, new InferenceOptions { Device = Device.Cuda });
        var names = cpu.OutputNames.ToArray();
        var onCpu = cpu.Run(points.X, points.Count, names);
        var onCuda = cuda.Run(points.X, points.Count, names);
        for (var o = 0; o < names.Length; o++)
        {
            Assert.Equal(onCpu[o].Values.Length, onCuda[o].Values.Length);
            for (var i = 0; i < onCpu[o].Values.Length; i++)
                Assert.True(Math.Abs(onCpu[o].Values[i] - onCuda[o].Values[i]) <= 1e-5 * Math.Max(1.0, Math.Abs(onCpu[o].Values[i])),
                    $"{names[o]}[{i}]: cpu {onCpu[o].Values[i]}, cuda {onCuda[o].Values[i]}");
        }
    }

    [Fact]
    public void Missing_model_is_bad_input() =>
        Assert.Throws<BadInputException>(() => OnnxSessionFactory.Create("/nonexistent/model.onnx", new InferenceOptions()));
}

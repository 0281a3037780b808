using Google.Protobuf;
using RepAlign.Inference;
using RepAlign.Inference.Graphs;

namespace RepAlign.Tests.Inference.Graphs;

/// <summary>Every inferred candidate shape equals the shape ONNX Runtime produces when the candidate is exposed.</summary>
public class ShapeInferenceTests
{
    public static TheoryData<string> Models => new() { "cnn", "mlp-matmul-flatten", "mlp-gemm-reshape-fixed1", "mlp-silu-identity-opset11" };

    private static IMessage Model(string name) => name switch
    {
        "cnn" => SmallCnn.Create(),
        "mlp-matmul-flatten" => ForeignMlp.Create(new ForeignStyle { MatMulAdd = true, FlattenFront = true }).Model,
        "mlp-gemm-reshape-fixed1" => ForeignMlp.Create(new ForeignStyle { ReshapeFront = true, FixedBatch = 1 }).Model,
        _ => ForeignMlp.Create(new ForeignStyle { Activation = ForeignActivation.Silu, IdentityShared = true, Opset = 11 }).Model,
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Inferred_shapes_match_what_onnx_runtime_computes(string name)
    {
        using var scratch = new ScratchFolder();
        var bytes = Model(name).ToByteArray();
        var info = GraphInspector.Inspect(bytes, name);
        Assert.All(info.Candidates, c => Assert.NotNull(c.Shape));
        var path = scratch.File(name + ".onnx");
        File.WriteAllBytes(path, GraphEditor.ExposeOutputs(bytes, info.Candidates.Select(c => c.Name).ToList(), name));

        using var runner = new OnnxModelRunner(path, new InferenceOptions { Threads = 1 });
        var batch = GraphEditor.FixedBatch(info) ?? 3;
        var outputs = runner.Run(new float[batch * runner.InputWidth], batch, info.Candidates.Select(c => c.Name).ToList());
        for (var i = 0; i < outputs.Count; i++)
        {
            var expected = info.Candidates[i].Shape!.Select((d, k) => k == 0 && !d.IsFixed ? batch : d.Value!.Value);
            Assert.Equal(expected, outputs[i].Shape);
            // The declared shapes let ONNX Runtime's metadata give the row width (what writing into buffers needs).
            Assert.Equal(info.Candidates[i].RowWidth, runner.OutputWidth(info.Candidates[i].Name));
        }
    }

    [Fact]
    public void The_cnn_lists_conv_relu_gemm_gelu_gemm_with_windowed_shapes()
    {
        var info = GraphInspector.Inspect(SmallCnn.Create(), "cnn.onnx");
        Assert.Equal(["conv Conv [N, 2, 6, 6]", "relu Relu [N, 2, 6, 6]", "fc1 Gemm [N, 4]", "gelu Gelu [N, 4]", "fc2 Gemm [N, 2]"],
            info.Candidates.Select(c => $"{c.Name} {c.Operator} {TensorDim.Format(c.Shape)}"));
        Assert.Equal(["relu", "gelu"], info.AutoLayers.Select(c => c.Name));
        Assert.Equal(20, info.Opset);
    }
}

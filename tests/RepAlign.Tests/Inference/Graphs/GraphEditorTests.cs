using Google.Protobuf;
using Onnx;
using RepAlign.Core;
using RepAlign.Inference;
using RepAlign.Inference.Bulk;
using RepAlign.Inference.Graphs;

namespace RepAlign.Tests.Inference.Graphs;

public class GraphEditorTests
{
    public static TheoryData<string, ForeignStyle> Styles => new()
    {
        { "gemm relu x opset 11", new ForeignStyle { Opset = 11 } },
        { "gemm relu x opset 21", new ForeignStyle { Opset = 21 } },
        { "matmul+add leakyrelu images identity-shared", new ForeignStyle { InputName = "images", MatMulAdd = true, IdentityShared = true, Activation = ForeignActivation.LeakyRelu } },
        { "gemm tanh flatten identity-shared opset 21", new ForeignStyle { FlattenFront = true, IdentityShared = true, Activation = ForeignActivation.Tanh, Opset = 21 } },
        { "matmul+add silu reshape opset 11", new ForeignStyle { MatMulAdd = true, ReshapeFront = true, Activation = ForeignActivation.Silu, Opset = 11 } },
        { "gemm silu images shuffled sigmoid-out", new ForeignStyle { InputName = "images", Activation = ForeignActivation.Silu, ShuffleSeed = 7, SigmoidOutput = true } },
        { "matmul+add relu initialisers-as-inputs opset 11", new ForeignStyle { MatMulAdd = true, InitializersAsInputs = true, Opset = 11, Hidden = [10, 7, 5] } },
        { "gemm leakyrelu flatten fixed batch 1", new ForeignStyle { FlattenFront = true, FixedBatch = 1, Activation = ForeignActivation.LeakyRelu } },
        { "matmul+add tanh identity-shared fixed batch 4 opset 21", new ForeignStyle { MatMulAdd = true, IdentityShared = true, FixedBatch = 4, Activation = ForeignActivation.Tanh, Opset = 21 } },
    };

    [Theory]
    [MemberData(nameof(Styles))]
    public void Exposed_auto_layers_equal_the_direct_computation(string name, ForeignStyle style)
    {
        using var scratch = new ScratchFolder();
        var mlp = ForeignMlp.Create(style);
        var path = mlp.Save(scratch.File("model.onnx"));
        var info = GraphInspector.Inspect(path);
        Assert.Equal(mlp.HiddenActivations, info.AutoLayers.Select(c => c.Name));

        var names = info.AutoLayers.Select(c => c.Name).Append(mlp.OutputName).ToList();
        var exposed = scratch.File("exposed.onnx");
        File.WriteAllBytes(exposed, GraphEditor.ExposeOutputs(path, info.AutoLayers.Select(c => c.Name).ToList()));

        const int rows = 11;
        var input = ForeignMlp.Rows(rows, seed: 3);
        var reference = mlp.Reference(input, rows);
        using var runner = new OnnxModelRunner(exposed, new InferenceOptions { Threads = 1 });
        Assert.Equal(style.InputName, runner.InputName);
        Assert.Equal(style.FixedBatch, GraphEditor.FixedBatch(info, runner.InputName));
        var outputs = RunBatched(runner, info, input, rows, names, maxBatch: 4);

        for (var l = 0; l < names.Count; l++)
        {
            var expected = l < mlp.HiddenActivations.Count ? reference[l] : reference[^1];
            Assert.Equal(expected.Length, outputs[l].Length);
            AssertClose(expected, outputs[l], $"{name}: {names[l]}");
        }
    }

    [Fact]
    public void Fixed_batch_runs_pad_the_last_batch_and_drop_the_padding()
    {
        using var scratch = new ScratchFolder();
        var mlp = ForeignMlp.Create(new ForeignStyle { FixedBatch = 4, FlattenFront = true });
        var path = mlp.Save(scratch.File("fixed4.onnx"));
        var info = GraphInspector.Inspect(path);
        File.WriteAllBytes(path, GraphEditor.ExposeOutputs(path, [info.AutoLayers[0].Name]));
        using var runner = new OnnxModelRunner(path, new InferenceOptions { Threads = 1 });
        var input = ForeignMlp.Rows(9, seed: 11);
        var reference = mlp.Reference(input, 9);
        for (var count = 1; count <= 9; count++)
        {
            var output = Assert.Single(RunBatched(runner, info, input, count, [info.AutoLayers[0].Name], maxBatch: 1000));
            Assert.Equal(count * 8, output.Length);
            AssertClose(reference[0].AsSpan(0, count * 8).ToArray(), output, $"{count} rows");
        }
        // The unpadded runner refuses a partial batch: ONNX Runtime checks the fixed dimension.
        Assert.ThrowsAny<Exception>(() => runner.Run(input.AsSpan(0, 3 * ForeignMlp.DefaultInputWidth), 3, [info.AutoLayers[0].Name]));
    }

    [Fact]
    public void Exposing_keeps_every_node_and_weight_and_is_idempotent()
    {
        var mlp = ForeignMlp.Create(new ForeignStyle { MatMulAdd = true, IdentityShared = true, Activation = ForeignActivation.Silu });
        var original = mlp.Model;
        var once = GraphEditor.ExposeOutputs(mlp.Bytes, [mlp.HiddenActivations[1], mlp.PreActivations[0]]);
        var edited = ModelProto.Parser.ParseFrom(once);
        Assert.Equal(original.Graph.Node, edited.Graph.Node);
        Assert.Equal(original.Graph.Initializer, edited.Graph.Initializer);
        Assert.Equal(original.Graph.Input, edited.Graph.Input);
        Assert.Equal([mlp.OutputName, mlp.HiddenActivations[1], mlp.PreActivations[0]], edited.Graph.Output.Select(o => o.Name));
        Assert.Equal(original.OpsetImport, edited.OpsetImport);

        var hidden = edited.Graph.Output[1].Type.TensorType;
        Assert.Equal((int)TensorProto.Types.DataType.Float, hidden.ElemType);
        Assert.Equal(["batch_size", "6"], hidden.Shape.Dim.Select(d => d.HasDimValue ? d.DimValue.ToString() : d.DimParam));

        var twice = GraphEditor.ExposeOutputs(once, [mlp.PreActivations[0], mlp.HiddenActivations[1], mlp.OutputName]);
        Assert.Equal(once, twice);
        Assert.Equal(mlp.Bytes, GraphEditor.ExposeOutputs(mlp.Bytes, [mlp.OutputName]));
    }

    [Fact]
    public void A_value_of_unknown_shape_is_exposed_with_its_element_type_only_and_runs()
    {
        using var scratch = new ScratchFolder();
        var mlp = ForeignMlp.Create(new ForeignStyle());
        // Hardmax is an operator the shape inference leaves alone: its output's shape is unknown.
        var model = mlp.Model;
        var hardmax = new NodeProto { OpType = "Hardmax", Name = "/hardmax", Output = { "hard" }, Input = { mlp.HiddenActivations[0] } };
        model.Graph.Node.Add(hardmax);
        var info = GraphInspector.Inspect(model, "hardmax.onnx");
        Assert.DoesNotContain(info.Candidates, c => c.Name == "hard");
        GraphEditor.ExposeOutputs(model, ["hard"], "hardmax.onnx");
        var output = model.Graph.Output.Single(o => o.Name == "hard");
        Assert.Equal((int)TensorProto.Types.DataType.Float, output.Type.TensorType.ElemType);
        Assert.Null(output.Type.TensorType.Shape);

        var path = scratch.File("hardmax.onnx");
        File.WriteAllBytes(path, model.ToByteArray());
        using var runner = new OnnxModelRunner(path, new InferenceOptions { Threads = 1 });
        var result = Assert.Single(runner.Run(ForeignMlp.Rows(2, 1), 2, ["hard"]));
        Assert.Equal([2L, 8L], result.Shape);
        Assert.Equal(2f, result.Values.Sum());
    }

    [Fact]
    public void An_unknown_layer_is_bad_input_listing_the_candidates_nearest_first()
    {
        var mlp = ForeignMlp.Create(new ForeignStyle { FlattenFront = true });
        var e = Assert.Throws<BadInputException>(() => GraphEditor.ExposeOutputs(mlp.Bytes, ["/act2/Relu_output_1"], "foreign.onnx"));
        Assert.Contains("foreign.onnx", e.Message);
        Assert.Contains("'/act2/Relu_output_1'", e.Message);
        var list = e.Message[(e.Message.IndexOf("(nearest first): ", StringComparison.Ordinal) + 17)..].Split(", ");
        Assert.Equal("/act2/Relu_output_0", list[0]);
        Assert.Equal(5, list.Length);

        var weight = Assert.Throws<BadInputException>(() => GraphEditor.ExposeOutputs(mlp.Bytes, ["fc1.weight"], "foreign.onnx"));
        Assert.Contains("initialiser", weight.Message);
        var input = Assert.Throws<BadInputException>(() => GraphEditor.ExposeOutputs(mlp.Bytes, ["x"], "foreign.onnx"));
        Assert.Contains("graph input", input.Message);
        Assert.Throws<BadInputException>(() => GraphEditor.ExposeOutputs("/nonexistent/model.onnx", ["a"]));
    }

    /// <summary>
    /// The first <paramref name="rows"/> rows of <paramref name="input"/> through the model as the bulk extraction runs them
    /// (<see cref="BatchedForward"/>): batches of the graph's fixed batch size with the last one padded, or of
    /// <paramref name="maxBatch"/> when the batch dimension is free. One array per output, rows × width values.
    /// </summary>
    private static float[][] RunBatched(OnnxModelRunner runner, GraphInfo info, float[] input, int rows, IReadOnlyList<string> names, int maxBatch)
    {
        var fixedBatch = GraphEditor.FixedBatch(info, runner.InputName);
        var request = new BulkExtractRequest { Images = input, InputWidth = runner.InputWidth, BatchSize = fixedBatch ?? maxBatch, FixedBatch = fixedBatch is not null };
        var widths = names.Select(runner.OutputWidth).ToArray();
        Assert.All(widths, w => Assert.True(w > 0, "an output of symbolic width"));
        var representations = widths.Select(w => new float[rows * w]).ToArray();
        using var batches = new BatchRunner(request.BatchSize, names, stageOutputs: false);
        batches.Attach(runner);
        BatchedForward.Run(batches, request, Enumerable.Range(0, rows).ToArray(), 0, rows, representations, widths);
        return representations;
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Length; i++)
        {
            var tolerance = 1e-5 * Math.Max(Math.Abs(expected[i]), 1e-2 * scale);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"{what}[{i}]: ONNX Runtime {actual[i]} vs direct {expected[i]}");
        }
    }
}

using Google.Protobuf;
using Onnx;
using RepAlign.Core;
using RepAlign.Inference.Graphs;

namespace RepAlign.Tests.Inference.Graphs;

public class GraphInspectorTests
{
    private static GraphInfo Inspect(ForeignStyle style) =>
        GraphInspector.Inspect(ForeignMlp.Create(style).Bytes, "test.onnx");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Candidates_follow_topological_order_whatever_the_file_order(int seed)
    {
        var mlp = ForeignMlp.Create(new ForeignStyle { IdentityShared = true, ShuffleSeed = seed });
        var sorted = ForeignMlp.Create(new ForeignStyle { IdentityShared = true }).Model.Graph.Node.Select(n => n.Name);
        Assert.NotEqual(sorted, mlp.Model.Graph.Node.Select(n => n.Name)); // the file order is not the topological one
        var info = GraphInspector.Inspect(mlp.Model, "shuffled.onnx");
        Assert.Equal(["/fc1/Gemm_output_0", "/act1/Relu_output_0", "/fc2/Gemm_output_0", "/act2/Relu_output_0", "/fc3/Gemm_output_0"],
            info.Candidates.Select(c => c.Name));
        Assert.Equal(["Gemm", "Relu", "Gemm", "Relu", "Gemm"], info.Candidates.Select(c => c.Operator));
        Assert.Equal([CandidateKind.Linear, CandidateKind.Nonlinearity, CandidateKind.Linear, CandidateKind.Nonlinearity, CandidateKind.Linear],
            info.Candidates.Select(c => c.Kind));
        Assert.Equal(Enumerable.Range(0, 5), info.Candidates.Select(c => c.Index));
        Assert.Equal(mlp.HiddenActivations, info.AutoLayers.Select(c => c.Name));
    }

    [Fact]
    public void Shapes_are_inferred_through_identity_shared_weights_matmul_add_and_flatten()
    {
        var info = Inspect(new ForeignStyle { InputName = "images", MatMulAdd = true, IdentityShared = true, FlattenFront = true, Opset = 11 });
        var input = Assert.Single(info.Inputs);
        Assert.Equal("images", input.Name);
        Assert.Equal("[batch_size, 1, 4, 4]", TensorDim.Format(input.Shape));
        Assert.Equal(16, input.RowWidth);
        Assert.Equal(11, info.Opset);
        Assert.Equal(["MatMul", "Add", "Relu", "MatMul", "Add", "Relu", "MatMul", "Add"], info.Candidates.Select(c => c.Operator));
        Assert.Equal(["[batch_size, 8]", "[batch_size, 8]", "[batch_size, 8]", "[batch_size, 6]", "[batch_size, 6]", "[batch_size, 6]",
            "[batch_size, 3]", "[batch_size, 3]"], info.Candidates.Select(c => TensorDim.Format(c.Shape)));
        Assert.Equal([8L, 6L], info.AutoLayers.Select(c => c.RowWidth!.Value));
        Assert.Equal("logits [batch_size, 3]", Assert.Single(info.Outputs).ToString());
    }

    [Fact]
    public void Reshape_in_front_and_a_fixed_batch_keep_their_dimensions()
    {
        var info = Inspect(new ForeignStyle { ReshapeFront = true, FixedBatch = 1, Activation = ForeignActivation.Tanh });
        Assert.Equal("[1, 1, 4, 4]", TensorDim.Format(info.Inputs[0].Shape));
        Assert.Equal(["[1, 8]", "[1, 6]"], info.AutoLayers.Select(c => TensorDim.Format(c.Shape)));
        Assert.Equal(["Tanh", "Tanh"], info.AutoLayers.Select(c => c.Operator));
        Assert.Equal(1, GraphEditor.FixedBatch(info));

        var symbolic = Inspect(new ForeignStyle { ReshapeFront = true });
        Assert.Equal(["[batch_size, 8]", "[batch_size, 6]"], symbolic.AutoLayers.Select(c => TensorDim.Format(c.Shape)));
        Assert.Null(GraphEditor.FixedBatch(symbolic));
    }

    [Fact]
    public void X_times_sigmoid_x_is_one_silu_candidate_and_its_sigmoid_is_not_reported()
    {
        var mlp = ForeignMlp.Create(new ForeignStyle { Activation = ForeignActivation.Silu, ShuffleSeed = 5 });
        var info = GraphInspector.Inspect(mlp.Model, "silu.onnx");
        Assert.Equal(["Gemm", "Silu", "Gemm", "Silu", "Gemm"], info.Candidates.Select(c => c.Operator));
        Assert.DoesNotContain(info.Candidates, c => c.Name.EndsWith("Sigmoid_output_0", StringComparison.Ordinal));
        Assert.Equal(mlp.HiddenActivations, info.AutoLayers.Select(c => c.Name));
        Assert.All(info.AutoLayers, c => Assert.Equal(CandidateKind.Nonlinearity, c.Kind));
    }

    [Fact]
    public void A_final_nonlinearity_that_is_the_graph_output_is_a_candidate_but_not_an_auto_layer()
    {
        var info = Inspect(new ForeignStyle { SigmoidOutput = true, Activation = ForeignActivation.LeakyRelu });
        Assert.Equal("Sigmoid", info.Candidates[^1].Operator);
        Assert.Equal("probabilities", info.Candidates[^1].Name);
        Assert.Equal(["LeakyRelu", "LeakyRelu"], info.AutoLayers.Select(c => c.Operator));
    }

    [Fact]
    public void Hidden_activations_that_are_also_graph_outputs_stay_auto_layers()
    {
        var mlp = ForeignMlp.Create(new ForeignStyle { HiddenAsOutputs = true, SigmoidOutput = true, Activation = ForeignActivation.Tanh });
        var info = GraphInspector.Inspect(mlp.Model, "native-style.onnx");
        Assert.Equal(3, info.Outputs.Count);
        Assert.Equal(mlp.HiddenActivations, info.AutoLayers.Select(c => c.Name));
    }

    [Fact]
    public void Initialisers_listed_as_inputs_are_not_inputs()
    {
        var info = Inspect(new ForeignStyle { InitializersAsInputs = true, Opset = 11 });
        Assert.Equal("x", Assert.Single(info.Inputs).Name);
    }

    [Fact]
    public void Bad_files_are_bad_input_naming_the_file()
    {
        using var scratch = new ScratchFolder();
        var missing = Assert.Throws<BadInputException>(() => GraphInspector.Inspect(scratch.File("none.onnx")));
        Assert.Contains("none.onnx", missing.Message);

        var junk = scratch.File("junk.onnx");
        File.WriteAllBytes(junk, [0xff, 0xff, 0xff, 0x01, 0x02]);
        var notOnnx = Assert.Throws<BadInputException>(() => GraphInspector.Inspect(junk));
        Assert.Contains("junk.onnx", notOnnx.Message);

        var dangling = ForeignMlp.Create(new ForeignStyle()).Model;
        dangling.Graph.Node[0].Input[0] = "nowhere";
        var e = Assert.Throws<BadInputException>(() => GraphInspector.Inspect(dangling, "dangling.onnx"));
        Assert.Contains("'nowhere'", e.Message);

        var cyclic = ForeignMlp.Create(new ForeignStyle()).Model;
        cyclic.Graph.Node[0].Input[0] = cyclic.Graph.Node[1].Output[0]; // fc1 reads act1, act1 reads fc1
        Assert.Contains("cycle", Assert.Throws<BadInputException>(() => GraphInspector.Inspect(cyclic, "cyclic.onnx")).Message);
    }
}

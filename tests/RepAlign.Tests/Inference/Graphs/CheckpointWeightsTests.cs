using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;
using RepAlign.Inference.Graphs;
using RepAlign.Tests.Inference.Bulk;

namespace RepAlign.Tests.Inference.Graphs;

public class CheckpointWeightsTests
{
    private static ModelProto Load(string path) => ModelProto.Parser.ParseFrom(File.ReadAllBytes(path));

    private static string Save(ModelProto model, string path)
    {
        File.WriteAllBytes(path, model.ToByteArray());
        return path;
    }

    [Fact]
    public void Checkpoints_of_one_network_share_a_graph_key_and_carry_their_own_weights()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 3); // other weights, epochs and seeds in the metadata
        using var a = CheckpointWeights.Load(checkpoints[0].Path);
        using var b = CheckpointWeights.Load(checkpoints[2].Path);
        Assert.Equal(a.GraphKey, b.GraphKey);
        Assert.NotEqual(Load(checkpoints[0].Path).MetadataProps.ToString(), Load(checkpoints[2].Path).MetadataProps.ToString());

        var model = Load(checkpoints[2].Path);
        var floats = model.Graph.Initializer.Where(t => t.DataType == (int)TensorProto.Types.DataType.Float).ToArray();
        Assert.Equal(floats.Select(t => t.Name), b.Names);
        Assert.Equal(8, b.Names.Count); // 4 Gemm layers × (weight, bias)
        for (var k = 0; k < floats.Length; k++)
        {
            var expected = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(floats[k].RawData.Span).ToArray();
            Assert.Equal(expected, b.Values[k].GetTensorDataAsSpan<float>().ToArray());
            Assert.Equal(floats[k].Dims, b.Values[k].GetTensorTypeAndShape().Shape);
        }
        Assert.NotEqual(a.Values[0].GetTensorDataAsSpan<float>().ToArray(), b.Values[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void Any_change_to_the_graph_gives_another_key()
    {
        using var dir = new ScratchFolder();
        var path = BulkFixtures.Checkpoints(dir.Path, 1)[0].Path;
        using var original = CheckpointWeights.Load(path);

        var renamed = Load(path);
        renamed.Graph.Node[0].Name += "-renamed";
        var alpha = Load(path);
        alpha.Graph.Node.First(n => n.OpType == "LeakyRelu").Attribute.Single(x => x.Name == "alpha").F = 0.2f;
        var wider = BulkFixtures.Checkpoints(dir.File("wider"), 1, width: 17)[0].Path;
        var keys = new[] { Save(renamed, dir.File("renamed.onnx")), Save(alpha, dir.File("alpha.onnx")), wider }
            .Select(p => { using var w = CheckpointWeights.Load(p); return w.GraphKey; }).ToArray();
        Assert.DoesNotContain(original.GraphKey, keys);
        Assert.Equal(3, keys.Distinct().Count());
    }

    [Fact]
    public void The_template_has_every_weight_as_an_input_and_runs_with_any_checkpoints_weights()
    {
        using var dir = new ScratchFolder();
        var checkpoints = BulkFixtures.Checkpoints(dir.Path, 2);
        var (template, key) = CheckpointWeights.Template(checkpoints[0].Path);
        var model = ModelProto.Parser.ParseFrom(template);
        Assert.DoesNotContain(model.Graph.Initializer, t => t.DataType == (int)TensorProto.Types.DataType.Float);
        using var weights = CheckpointWeights.Load(checkpoints[1].Path);
        Assert.Equal(key, weights.GraphKey);
        Assert.Equal(["input", .. weights.Names], model.Graph.Input.Select(i => i.Name));

        // The second checkpoint's weights in the first checkpoint's template compute what the second checkpoint computes.
        var (images, _, _) = BulkFixtures.Data(5);
        using var reference = new RepAlign.Inference.OnnxModelRunner(checkpoints[1].Path, new RepAlign.Inference.InferenceOptions());
        var expected = reference.Run(images, 5, ["output"])[0].Values;
        using var so = new SessionOptions();
        using var session = new InferenceSession(template, so);
        using var run = new RunOptions();
        using var x = OrtValue.CreateTensorValueFromMemory(images, [5, 784]);
        using var results = session.Run(run, ["input", .. weights.Names], [x, .. weights.Values], ["output"]);
        var actual = results[0].GetTensorDataAsSpan<float>().ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < actual.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"{i}: {actual[i]} vs {expected[i]}");
    }

    [Fact]
    public void Weights_stored_beside_the_file_are_read_in_and_keep_the_key()
    {
        using var dir = new ScratchFolder();
        var path = BulkFixtures.Checkpoints(dir.Path, 1)[0].Path;
        using var inline = CheckpointWeights.Load(path);
        var model = Load(path);
        var first = model.Graph.Initializer[0];
        File.WriteAllBytes(dir.File("weights.bin"), first.RawData.ToByteArray());
        first.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        first.DataLocation = TensorProto.Types.DataLocation.External;
        first.RawData = ByteString.Empty;
        using var external = CheckpointWeights.Load(Save(model, dir.File("external.onnx")));
        Assert.Equal(inline.GraphKey, external.GraphKey);
        Assert.Equal(inline.Values[0].GetTensorDataAsSpan<float>().ToArray(), external.Values[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void A_weight_with_the_wrong_number_of_values_is_bad_input_naming_it()
    {
        using var dir = new ScratchFolder();
        var path = BulkFixtures.Checkpoints(dir.Path, 1)[0].Path;
        var model = Load(path);
        var weight = model.Graph.Initializer[0];
        weight.RawData = ByteString.CopyFrom(weight.RawData.Span[..^4]);
        var broken = Save(model, dir.File("broken.onnx"));
        var e = Assert.Throws<RepAlign.Core.BadInputException>(() => CheckpointWeights.Load(broken));
        Assert.Contains(broken, e.Message);
        Assert.Contains($"'{weight.Name}'", e.Message);
    }
}

using CsCheck;
using Google.Protobuf;
using Onnx;
using RepAlign.Inference;
using RepAlign.Inference.Graphs;
using RepAlign.Tests.Inference.Graphs;

namespace RepAlign.Tests.Fuzz;

/// <summary>
/// Generated ONNX files (truncated, random bytes, flipped bytes, valid protobuf of the wrong graph): inspected, or opened
/// and run in an ONNX Runtime session (the model that was not changed giving the forward pass computed directly), or
/// bad input naming the file.
/// </summary>
public class OnnxFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly ForeignMlp Model = ForeignMlp.Create(new ForeignStyle());
    private static readonly byte[] Valid = Model.Bytes;

    /// <summary>Valid protobuf whose graph is wrong: parts removed, names broken, unknown operators, another message type.</summary>
    private static readonly Gen<byte[]> WrongGraph = Gen.Select(Gen.Int[0, 9], Gen.Int[0, 1000], (kind, r) =>
    {
        var model = ModelProto.Parser.ParseFrom(Valid);
        var g = model.Graph;
        switch (kind)
        {
            case 0: g.Input.Clear(); break;
            case 1: g.Output.Clear(); break;
            case 2: g.Node.Clear(); break;
            case 3: g.Initializer.Clear(); break;
            case 4: if (g.Node.Count > 0) g.Node[r % g.Node.Count].OpType = "NoSuchOp" + r; break;
            case 5: if (g.Node.Count > 0) g.Node[r % g.Node.Count].Input.Add("missing_" + r); break;
            case 6: model.Graph = null; break;
            case 7: model.OpsetImport.Clear(); break;
            case 8: if (g.Input.Count > 0) g.Input[0].Type = new TypeProto(); break;
            default: return new TensorProto { Name = "not a model", Dims = { 3 }, FloatData = { 1, 2, 3 } }.ToByteArray();
        }
        return model.ToByteArray();
    });

    private static readonly Gen<byte[]> Files = Gen.Frequency(
        (2, Gen.Const(Valid)),
        (3, Gen.Double[0, 1].Select(cut => Valid[..(int)(Valid.Length * cut)])),
        (2, Gen.Byte.Array[0, 512]),
        (2, Gen.Select(Gen.Int[0, Valid.Length - 1].Array[1, 8], Gen.Byte, (at, b) =>
        {
            var copy = (byte[])Valid.Clone();
            foreach (var i in at) copy[i] ^= (byte)(b | 1);
            return copy;
        })),
        (3, WrongGraph));

    [Fact]
    public void OnnxFilesAreInspectedOrBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        long n = 0;
        FuzzCheck.Run("ONNX inspector", Files, bytes =>
        {
            var path = scratch.File($"model-{Interlocked.Increment(ref n)}.onnx");
            File.WriteAllBytes(path, bytes);
            tally.Add(FuzzCheck.ExitCode(() => GraphInspector.Inspect(path), path));
            File.Delete(path);
        }, output.WriteLine);
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, 50, 300));
    }

    [Fact]
    public void OnnxFilesRunInAnOnnxRuntimeSessionOrAreBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        var rows = ForeignMlp.Rows(4, seed: 3);
        var expected = Model.Reference(rows, 4)[^1]; // the logits, computed directly in double precision
        long n = 0, intact = 0, ran = 0;
        FuzzCheck.Run("ONNX Runtime session", Files, bytes =>
        {
            var path = scratch.File($"model-{Interlocked.Increment(ref n)}.onnx");
            File.WriteAllBytes(path, bytes);
            float[]? logits = null;
            var code = FuzzCheck.ExitCode(() =>
            {
                using var runner = new OnnxModelRunner(path, new InferenceOptions());
                logits = runner.Run(rows, 4, [Model.OutputName])[0].Values; // a model without it: bad input naming the file
            }, path);
            tally.Add(code);
            if (code == 0) ran++;
            if (bytes.AsSpan().SequenceEqual(Valid))
            {
                intact++;
                Assert.Equal(0, code);
                Assert.Equal(expected.Length, logits!.Length);
                for (var i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - logits[i]) < 1e-5, $"logit {i}: {logits[i]} against {expected[i]}");
            }
            File.Delete(path);
        }, output.WriteLine);
        output.WriteLine($"{tally.AssertSeen(FuzzCheck.Cases, 50, 300)}; {ran} ran, of which {intact} were the unchanged model and gave its logits within 1e-5");
        Assert.True(intact > 50, $"only {intact} unchanged models");
    }
}

using System.Buffers.Binary;
using System.Text.Json;
using RepAlign.Core.Checkpoints;
using RepAlign.Inference;
using RepAlign.Training.PyTorch;
using RepAlign.Tests.Faults;
using Xunit.Abstractions;

namespace RepAlign.Tests.Training.PyTorch;

/// <summary>
/// <c>repalign export</c> round trip: Debian's PyTorch loads a RepAlign run's exported state_dicts with torch.load (or
/// the safetensors specification) and load_state_dict into its own nn.Module and reproduces RepAlign's hidden layers
/// and outputs: both float32 evaluations lie within the rigorous float32 forward error bound of the same network run
/// in float64 (<c>tests/corpus/pytorch_load_export.py</c>), value by value. A fixed tolerance does not do: the order
/// of the 784-term sums depends on the BLAS PyTorch finds (1.8e−6 apart with Debian's reference BLAS, less with
/// OpenBLAS), while a wrong tensor, layout or bias is off by orders of magnitude more than the bound.
/// </summary>
public class StateDictExportTests(ITestOutputHelper output)
{
    private const int Rows = 16;

    [Fact]
    public async Task PyTorch_loads_exported_pt_and_safetensors_files_and_reproduces_RepAligns_outputs()
    {
        using var scratch = new ScratchFolder();
        var data = TinyRuns.MnistFolder(scratch.File("mnist"));
        var run = scratch.File("run");
        var result = TinyRuns.InProcess("mnist-pairs.toml", [.. TinyRuns.MnistSettings(data), "train.epochs=2"], run, RepAlign.Pipelines.Runner.SilentObserver.Instance, to: "train");
        Assert.True(result.Succeeded, result.Message);
        var checkpoints = Directory.GetFiles(Path.Combine(run, "checkpoints"), "*.onnx").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, checkpoints.Length); // epochs 0, 1, 2

        var written = StateDictExport.Run(run, StateDictFormat.Pt); // the library …
        Assert.Equal(checkpoints.Select(c => Path.GetFileNameWithoutExtension(c) + ".pt"), written.Select(Path.GetFileName));
        var (code, err, _) = await TinyRuns.RunAsync(["export", "--run", run, "--format", "safetensors", "--out", scratch.File("st")]); // … and the command line
        Assert.True(code == 0, err);
        Fuzz.FuzzCheck.NoTemporaryFiles(Path.Combine(run, "export"));

        var inputs = Core.Data.MnistDataset.Load(data).Images[..(Rows * 784)]; // the digits the run trained on, normalised as it did
        var inputFile = scratch.File("inputs.f32");
        var bytes = new byte[inputs.Length * 4];
        for (var i = 0; i < inputs.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), inputs[i]);
        File.WriteAllBytes(inputFile, bytes);

        foreach (var folder in new[] { StateDictExport.DefaultFolder(run, StateDictFormat.Pt), scratch.File("st") })
        {
            var json = scratch.File(Path.GetFileName(folder) + ".json");
            var (pyCode, pyOut) = await ChildProcess.RunAsync("/usr/bin/python3", [TestPaths.Repo("tests", "corpus", "pytorch_load_export.py"),
                "--folder", folder, "--width", "16", "--depth", "3", "--inputs", inputFile, "--count", $"{Rows}", "--out", json], TimeSpan.FromMinutes(2));
            Assert.True(pyCode == 0, pyOut);
            var loaded = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
            var worst = 0.0; // RepAlign against PyTorch, absolute: the values are of order 0.01 to 1
            var worstOfBound = 0.0; // the larger of |RepAlign − exact| / bound and |PyTorch − exact| / bound
            var widestBound = 0.0; // the bound relative to its row's largest value (1.3e−2 at worst here): a wrong tensor is off by about 1
            var compared = 0;
            foreach (var checkpoint in checkpoints)
            {
                var file = loaded.EnumerateObject().Single(p => Path.GetFileNameWithoutExtension(p.Name) == Path.GetFileNameWithoutExtension(checkpoint)).Value;
                using var runner = new OnnxModelRunner(checkpoint, new InferenceOptions());
                string[] names = [OnnxNames.Hidden(0), OnnxNames.Hidden(1), OnnxNames.Hidden(2), OnnxNames.Output];
                var ours = runner.Run(inputs, Rows, names);
                for (var k = 0; k < names.Length; k++)
                {
                    JsonElement Of(string what) => k < 3 ? file.GetProperty(what).GetProperty("hidden")[k] : file.GetProperty(what).GetProperty("output");
                    var (theirs, exact, bound) = (Of("float32"), Of("exact"), Of("bound"));
                    for (var r = 0; r < Rows; r++)
                    {
                        var row = ours[k].Row(r);
                        double[] Values(JsonElement e) => [.. e[r].EnumerateArray().Select(v => v.GetDouble())];
                        var (torch32, torch64, limit) = (Values(theirs), Values(exact), Values(bound));
                        Assert.Equal(row.Length, torch32.Length);
                        Assert.Equal(row.Length, torch64.Length);
                        var scale = Math.Max(torch64.Max(Math.Abs), 1e-30);
                        for (var j = 0; j < row.Length; j++, compared++)
                        {
                            Assert.True(limit[j] > 0, $"{folder} {names[k]} row {r} column {j}: bound {limit[j]}, expected a positive bound");
                            worst = Math.Max(worst, Math.Abs(row[j] - torch32[j]));
                            worstOfBound = Math.Max(worstOfBound, Math.Max(Math.Abs(row[j] - torch64[j]), Math.Abs(torch32[j] - torch64[j])) / limit[j]);
                            widestBound = Math.Max(widestBound, limit[j] / scale);
                        }
                    }
                }
            }
            output.WriteLine($"{Path.GetFileName(folder)}: {compared} values, worst difference from PyTorch {worst:E2}; " +
                $"the farther of the two from the float64 evaluation at {worstOfBound:F3} of the float32 error bound, which is at most {widestBound:E2} of its row's largest value");
            Assert.Equal(3 * Rows * (16 * 3 + 10), compared);
            Assert.True(worstOfBound <= 1, $"{folder}: a float32 value is {worstOfBound:F2} × its error bound from the float64 evaluation (worst difference from PyTorch {worst:E3})");
            Assert.True(widestBound < 0.05, $"{folder}: the error bound reaches {widestBound:E2} of a row's largest value, too loose to tell a wrong tensor");
        }
    }

    [Theory]
    [InlineData("norun", "pt", "no run.json, expected a RepAlign run folder")]
    [InlineData("run", "onnx", "--format: found 'onnx', expected pt or safetensors")]
    public async Task Bad_export_arguments_exit_2_saying_what_is_expected(string folder, string format, string expected)
    {
        using var scratch = new ScratchFolder();
        Directory.CreateDirectory(scratch.File(folder));
        if (folder == "run") File.WriteAllText(scratch.File("run/run.json"), "{}");
        var (code, err, _) = await TinyRuns.RunAsync(["export", "--run", scratch.File(folder), "--format", format]);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(scratch.File(folder + "/export")));
    }
}

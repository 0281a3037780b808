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
/// and outputs within 1e−6.
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
            var worst = 0.0; // absolute: the values are of order 0.01 to 1
            var worstOfRow = 0.0; // relative to the row's largest value, for the report
            var compared = 0;
            foreach (var checkpoint in checkpoints)
            {
                var file = loaded.EnumerateObject().Single(p => Path.GetFileNameWithoutExtension(p.Name) == Path.GetFileNameWithoutExtension(checkpoint)).Value;
                using var runner = new OnnxModelRunner(checkpoint, new InferenceOptions());
                string[] names = [OnnxNames.Hidden(0), OnnxNames.Hidden(1), OnnxNames.Hidden(2), OnnxNames.Output];
                var ours = runner.Run(inputs, Rows, names);
                for (var k = 0; k < names.Length; k++)
                {
                    var theirs = k < 3 ? file.GetProperty("hidden")[k] : file.GetProperty("output");
                    for (var r = 0; r < Rows; r++)
                    {
                        var row = ours[k].Row(r);
                        var reference = theirs[r].EnumerateArray().Select(v => v.GetDouble()).ToArray();
                        Assert.Equal(row.Length, reference.Length);
                        var scale = Math.Max(reference.Max(Math.Abs), 1e-30);
                        for (var j = 0; j < row.Length; j++, compared++)
                        {
                            worst = Math.Max(worst, Math.Abs(row[j] - reference[j]));
                            worstOfRow = Math.Max(worstOfRow, Math.Abs(row[j] - reference[j]) / scale);
                        }
                    }
                }
            }
            output.WriteLine($"{Path.GetFileName(folder)}: {compared} values, worst difference from PyTorch {worst:E2} ({worstOfRow:E2} of its row's largest value: float32 sums of 784 terms, summed in another order)");
            Assert.Equal(3 * Rows * (16 * 3 + 10), compared);
            Assert.True(worst <= 1e-6, $"{folder}: worst difference {worst:E3}");
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

using System.Text.Json;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Inference.Graphs;
using RepAlign.Pipelines.Reanalysis;
using RepAlign.Pipelines.Runner;
using RepAlign.Tests.Cli;
using Xunit.Abstractions;

namespace RepAlign.Tests.Pipelines;

/// <summary>
/// Checkpoint series exported by Debian's PyTorch 1.13 (tests/corpus/pytorch_export_corpus.py: opsets 9–17,
/// constant folding on and off, keep_initializers_as_inputs, fixed and dynamic batch, BatchNorm, LayerNorm,
/// Dropout, CNNs on [N, 1, 28, 28], GELU/SiLU/Hardswish decomposed, external data, Lightning names), generated
/// once per test run with PyTorch's own h², y², w in float64.
/// </summary>
public sealed class PyTorchCorpus : IDisposable
{
    /// <summary>Where the series are.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "repalign-tests", "pytorch-corpus-" + Guid.NewGuid().ToString("N"));

    /// <summary>corpus.json.</summary>
    public JsonElement Json { get; }

    /// <summary>Generates the corpus (about 15 s); fails when python3-torch is missing (.ci/run installs it).</summary>
    public PyTorchCorpus()
    {
        var (code, output) = ChildProcess.RunAsync("/usr/bin/python3",
            [TestPaths.Repo("tests", "corpus", "pytorch_export_corpus.py"), "--data", TestPaths.Repo("data", "mnist-10k"), "--out", Folder],
            TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        Assert.True(code == 0, $"the corpus script failed (python3-torch and python3-onnx installed?): {output}");
        Json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "corpus.json"))).RootElement.Clone();
    }

    /// <summary>The series named <paramref name="name"/>.</summary>
    public JsonElement Series(string name) => Json.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    /// <summary>The series' folder.</summary>
    public string SeriesFolder(string name) => Path.Combine(Folder, name);

    /// <summary>The pairs file (columns a,b).</summary>
    public string Pairs => Path.Combine(Folder, "pairs.csv");

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The corpus is generated once for every test that reads it.</summary>
[CollectionDefinition("pytorch corpus")]
public sealed class PyTorchCorpusCollection : ICollectionFixture<PyTorchCorpus>;

/// <summary>RepAlign's reanalysis of every PyTorch series equals PyTorch's own h², y², w within 1e−3 relative; what it cannot reanalyse exits 2 saying why.</summary>
[Collection("pytorch corpus")]
public class PyTorchCorpusTests(PyTorchCorpus corpus, ITestOutputHelper output)
{
    private const double Tolerance = 1e-3;

    private static string MnistDir => TestPaths.Repo("data", "mnist-10k");

    public static TheoryData<string, string> Working => new()
    {
        { "mlp-relu-opset9", "Relu" },
        { "mlp-bn-dropout-opset10-fixed1", "LeakyRelu" },
        { "mlp-tanh-opset11-keepinits-fixed8", "Tanh" },
        { "mlp-silu-opset12-nofold", "Silu" },
        { "mlp-hardswish-opset13", "HardSwish" },
        { "mlp-hardswish-opset14-keepinits-nofold", "HardSwish" },
        { "mlp-gelu-ln-opset15", "Gelu" },
        { "mlp-gelu-opset16-external", "Gelu" },
        { "mlp-ln-elu-opset17-nofold-fixed4", "Elu" },
        { "cnn-relu-opset13", "Relu" },
        { "cnn-bn-silu-opset11-nofold-fixed2", "Silu" },
        { "cnn-gelu-opset17-keepinits", "Gelu" },
        { "lightning-relu-opset14", "Relu" },
        { "gated-opset13", "Composite(Tanh·Mul)" },
        { "folding-alternates-opset12", "Relu" },
    };

    [Theory]
    [MemberData(nameof(Working))]
    public void Reanalysis_with_layers_auto_equals_PyTorch_in_float64(string series, string activation)
    {
        var folder = corpus.SeriesFolder(series);
        var first = Directory.EnumerateFiles(folder, "*.onnx").Order(StringComparer.Ordinal).First();
        var info = GraphInspector.Inspect(first);
        Assert.Empty(info.AutoProblems);
        Assert.All(info.AutoLayers, l => Assert.Equal(activation, l.Operator));

        var worst = Reanalyse(series, "auto");
        output.WriteLine($"{series}: worst relative error {worst:E2}");
        Assert.True(worst <= Tolerance, $"{series}: worst relative error {worst:E3} > {Tolerance}");
    }

    [Fact]
    public void Fresh_exports_share_initialisers_through_Identity_nodes_and_still_match_later_epochs()
    {
        foreach (var series in new[] { "mlp-relu-opset9", "mlp-bn-dropout-opset10-fixed1", "mlp-tanh-opset11-keepinits-fixed8", "mlp-gelu-ln-opset15" })
        {
            var files = CheckpointFolder.Scan(corpus.SeriesFolder(series));
            var epoch0 = OnnxModelFile.Load(files[0].Path);
            var epoch1 = OnnxModelFile.Load(files[1].Path);
            Assert.Contains(epoch0.Graph.Node, n => n.OpType == "Identity"); // the exporter's deduplication at epoch 0 …
            Assert.DoesNotContain(epoch1.Graph.Node, n => n.OpType == "Identity"); // … gone after one epoch
            Assert.True(epoch0.Graph.Initializer.Count < epoch1.Graph.Initializer.Count, series);
            CheckpointFolder.ValidateSameArchitecture(files);
        }
    }

    [Fact]
    public void Checkpoints_exported_with_and_without_constant_folding_are_one_architecture()
    {
        var files = CheckpointFolder.Scan(corpus.SeriesFolder("folding-alternates-opset12"));
        var unfolded = OnnxModelFile.Load(files[0].Path).Graph;
        var folded = OnnxModelFile.Load(files[1].Path).Graph;
        Assert.Contains(unfolded.Node, n => n.OpType == "Transpose"); // weights transposed at run time …
        Assert.DoesNotContain(folded.Node, n => n.OpType == "Transpose"); // … or folded into initialisers
        CheckpointFolder.ValidateSameArchitecture(files);
    }

    [Fact]
    public void An_activation_whose_gate_is_read_twice_is_refused_by_auto_and_works_when_named()
    {
        const string series = "two-exit-opset12";
        var folder = corpus.SeriesFolder(series);
        var info = GraphInspector.Inspect(Directory.EnumerateFiles(folder, "*.onnx").Order(StringComparer.Ordinal).First());
        var mul = info.Candidates.Single(c => c.Kind == CandidateKind.Nonlinearity && c.NodeName.Contains("Mul", StringComparison.Ordinal));
        var sigmoid = info.Candidates.Single(c => c.Kind == CandidateKind.Nonlinearity && c.NodeName.Contains("Sigmoid", StringComparison.Ordinal));

        using var scratch = new ScratchFolder();
        var (code, err) = CliRunner.Run("reanalyze", "--checkpoints", folder, "--data", MnistDir, "--pairs", corpus.Pairs, "--layers", "auto", "--out", scratch.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("cannot choose", err);
        Assert.Contains($"'{mul.Name}'", err);
        Assert.Contains($"'{sigmoid.Name}'", err);
        Assert.Contains("--layers NAME", err);
        Assert.False(Directory.Exists(scratch.File("out")));

        var worst = Reanalyse(series, mul.Name);
        output.WriteLine($"{series} (--layers {mul.Name}): worst relative error {worst:E2}");
        Assert.True(worst <= Tolerance, $"{series}: worst relative error {worst:E3}");
    }

    [Fact]
    public void A_missing_external_data_file_exits_2_naming_it()
    {
        using var scratch = new ScratchFolder();
        var copy = scratch.File("ckpts");
        CopyFolder(corpus.SeriesFolder("mlp-gelu-opset16-external"), copy);
        File.Delete(Path.Combine(copy, "epoch_001.onnx.data"));
        var (code, err) = CliRunner.Run("reanalyze", "--checkpoints", copy, "--data", MnistDir, "--pairs", corpus.Pairs, "--out", scratch.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("epoch_001.onnx.data", err);
        Assert.Contains("beside the .onnx file", err);
        Assert.False(Directory.Exists(scratch.File("out")));
    }

    [Fact]
    public void A_checkpoint_of_another_architecture_exits_2_naming_the_node()
    {
        using var scratch = new ScratchFolder();
        var copy = scratch.File("ckpts");
        CopyFolder(corpus.SeriesFolder("mlp-relu-opset9"), copy);
        File.Copy(Path.Combine(corpus.SeriesFolder("mlp-silu-opset12-nofold"), "epoch_002.onnx"), Path.Combine(copy, "epoch_003.onnx"));
        var (code, err) = CliRunner.Run("reanalyze", "--checkpoints", copy, "--data", MnistDir, "--pairs", corpus.Pairs, "--out", scratch.File("out"));
        Assert.Equal(2, code);
        Assert.Contains("epoch_003.onnx (epoch 3)", err);
        Assert.Contains("is Mul where the previous checkpoint has Relu", err);
        Assert.Contains("node '/", err);
    }

    [Fact]
    public void Lightning_names_give_epochs_and_steps_in_the_pairs_table_and_run_json_and_fit_per_step()
    {
        const string series = "lightning-relu-opset14";
        using var scratch = new ScratchFolder();
        var out_ = scratch.File("out");
        var messages = new List<string>();
        var request = new ReanalyzeRequest
        {
            Checkpoints = corpus.SeriesFolder(series), Data = MnistDir, Pairs = corpus.Pairs, Layers = ["auto"], Out = out_, Time = TimeAxis.Step, To = "fit",
        };
        var result = Reanalyzer.Run(request, RepAlign.FSharp.Stages.set, SilentObserver.Instance, default, messages.Add);
        Assert.True(result.Succeeded, result.Message);

        var expected = corpus.Series(series).GetProperty("checkpoints").EnumerateArray()
            .Select(c => (Epoch: c.GetProperty("epoch").GetInt32(), Step: c.GetProperty("step").GetInt64())).ToArray();
        Assert.Equal([0, 1, 2], expected.Select(e => e.Epoch));
        Assert.True(expected[2].Step > 2, "the steps differ from the epochs");
        var message = Assert.Single(messages);
        Assert.Contains($"first epoch=0-step=0.onnx → epoch 0, step 0", message);
        Assert.Contains($"last epoch=2-step={expected[2].Step}.onnx → epoch 2, step {expected[2].Step}", message);

        var rows = TableFile.Read<PairRow>(Path.Combine(out_, "extract", "pairs.parquet"));
        Assert.Equal(expected.ToHashSet(), rows.Select(r => (r.Epoch, r.Step)).ToHashSet());
        var manifest = RunManifest.Read(Path.Combine(out_, "run.json"));
        Assert.Equal(expected, manifest.Checkpoints.Select(c => (c.Epoch, c.Step!.Value)));
        Assert.Equal(TimeAxis.Step, manifest.Spec.Fit.Time);
        var curves = TableFile.Read<CurveRow>(Path.Combine(out_, "fit", "curves.parquet"));
        Assert.Equal(expected.Select(e => (int)e.Step).ToHashSet(), curves.Select(c => c.Epoch).ToHashSet()); // fitted at t = step
    }

    [Fact]
    public void An_epoch_pattern_reads_names_the_rules_cannot()
    {
        using var scratch = new ScratchFolder();
        var copy = scratch.File("ckpts");
        Directory.CreateDirectory(copy);
        foreach (var (file, k) in Directory.EnumerateFiles(corpus.SeriesFolder("mlp-relu-opset9")).Order(StringComparer.Ordinal).Select((f, k) => (f, k)))
            File.Copy(file, Path.Combine(copy, $"run7-a{k}-v2.onnx")); // the last number is 2 in every name
        var (code, err) = CliRunner.Run("reanalyze", "--checkpoints", copy, "--data", MnistDir, "--pairs", corpus.Pairs, "--out", scratch.File("bad"));
        Assert.Equal(2, code);
        Assert.Contains("the same epoch 2", err);

        var messages = new List<string>();
        var request = new ReanalyzeRequest { Checkpoints = copy, Data = MnistDir, Pairs = corpus.Pairs, Out = scratch.File("out"), EpochPattern = "-a(?<epoch>[0-9]+)-", To = "extract" };
        var result = Reanalyzer.Run(request, RepAlign.FSharp.Stages.set, SilentObserver.Instance, default, messages.Add);
        Assert.True(result.Succeeded, result.Message);
        Assert.Contains("first run7-a0-v2.onnx → epoch 0", messages.Single());
        Assert.Equal([0, 1, 2], TableFile.Read<PairRow>(scratch.File("out/extract/pairs.parquet")).Select(r => r.Epoch).Distinct().Order());
    }

    [Theory]
    [InlineData("--time", "hours", "expected epoch or step")]
    [InlineData("--epoch-pattern", "e(", "not a regular expression")]
    [InlineData("--epoch-pattern", "e[0-9]+", "no group")]
    [InlineData("--epoch-pattern", "nomatch(?<epoch>[0-9]+)", "no epoch where --epoch-pattern matches its name")]
    public void Bad_naming_options_exit_2_saying_what_would_work(string option, string value, string expected)
    {
        using var scratch = new ScratchFolder();
        var (code, err) = CliRunner.Run("reanalyze", "--checkpoints", corpus.SeriesFolder("mlp-relu-opset9"), "--data", MnistDir, "--pairs", corpus.Pairs,
            option, value, "--out", scratch.File("out"));
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(scratch.File("out")));
    }

    /// <summary>Reanalyses a series (extract only) and returns the worst relative error against PyTorch's float64 values.</summary>
    private double Reanalyse(string series, string layers)
    {
        using var scratch = new ScratchFolder();
        var out_ = scratch.File("out");
        var request = new ReanalyzeRequest { Checkpoints = corpus.SeriesFolder(series), Data = MnistDir, Pairs = corpus.Pairs, Layers = [layers], Out = out_, To = "extract" };
        var result = Reanalyzer.Run(request, RepAlign.FSharp.Stages.set, SilentObserver.Instance);
        Assert.True(result.Succeeded, result.Message);
        var rows = TableFile.Read<PairRow>(Path.Combine(out_, "extract", "pairs.parquet"));
        var pairs = corpus.Json.GetProperty("pairs").EnumerateArray().Select(p => (p[0].GetInt32(), p[1].GetInt32())).ToArray();
        var checkpoints = corpus.Series(series).GetProperty("checkpoints").EnumerateArray().ToArray();
        var layerCount = checkpoints[0].GetProperty("layers").GetArrayLength();
        Assert.Equal(checkpoints.Length * layerCount * pairs.Length, rows.Count);
        var worst = 0.0;
        foreach (var r in rows)
        {
            var reference = checkpoints.Single(c => c.GetProperty("epoch").GetInt32() == r.Epoch).GetProperty("layers")[r.Layer][r.Pair];
            Assert.Equal(pairs[r.Pair], (r.A, r.B));
            double Ref(string key) => reference.GetProperty(key).GetDouble();
            worst = Math.Max(worst, Math.Abs(r.H2 - Ref("h2")) / Math.Abs(Ref("h2")));
            worst = Math.Max(worst, Math.Abs(r.Y2 - Ref("y2")) / Math.Abs(Ref("y2")));
            // w = y2 − dy·dŷ is a difference of two terms: its error is relative to the larger of them.
            worst = Math.Max(worst, Math.Abs(r.W - Ref("w")) / Math.Max(Math.Abs(Ref("w")), Math.Max(Ref("y2"), Math.Abs(Ref("wterm")))));
        }
        return worst;
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}

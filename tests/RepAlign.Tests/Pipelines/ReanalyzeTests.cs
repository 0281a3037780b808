using RepAlign.Core.Data;
using RepAlign.Core.Runs;
using RepAlign.Core.Tables;
using RepAlign.Tests.Cli;
using RepAlign.Tests.Inference.Graphs;

namespace RepAlign.Tests.Pipelines;

/// <summary>`repalign reanalyze` on checkpoints from foreign exporters: values checked against the same weights computed directly.</summary>
public class ReanalyzeTests
{
    private static string MnistDir => TestPaths.Repo("data", "mnist-10k");

    private static (int Code, string Err) Cli(params string[] args) => CliRunner.Run(args);

    /// <summary>Three epochs of a foreign 784-input MLP in the given style, files named like another exporter would.</summary>
    private static ForeignMlp[] WriteCheckpoints(string dir, ForeignStyle style, string pattern = "ckpt_{0}.onnx")
    {
        Directory.CreateDirectory(dir);
        var models = new ForeignMlp[3];
        for (var e = 0; e < 3; e++)
        {
            models[e] = ForeignMlp.Create(style with { Seed = 100 + e, InputWidth = 784, Outputs = 10, Hidden = [12, 8] });
            models[e].Save(Path.Combine(dir, string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, e * 5)));
        }
        return models;
    }

    public static TheoryData<string> Styles => new() { "matmul-identity-flatten", "gemm-fixed-batch-1", "silu-opset11", "reshape-opset21" };

    private static ForeignStyle Style(string name) => name switch
    {
        "matmul-identity-flatten" => new ForeignStyle { InputName = "images", MatMulAdd = true, IdentityShared = true, FlattenFront = true, Activation = ForeignActivation.LeakyRelu },
        "gemm-fixed-batch-1" => new ForeignStyle { FixedBatch = 1, Activation = ForeignActivation.Tanh },
        "silu-opset11" => new ForeignStyle { Opset = 11, Activation = ForeignActivation.Silu, MatMulAdd = true },
        _ => new ForeignStyle { Opset = 21, ReshapeFront = true, Activation = ForeignActivation.Relu },
    };

    [Theory]
    [MemberData(nameof(Styles))]
    public void ForeignCheckpointsGiveTheSameMetricsAsTheirWeightsComputedDirectly(string styleName)
    {
        using var scratch = new ScratchFolder();
        var models = WriteCheckpoints(scratch.File("ckpts"), Style(styleName));
        var out_ = scratch.File("out");
        var (code, err) = Cli("reanalyze", "--checkpoints", scratch.File("ckpts"), "--data", MnistDir, "--pairs", "random:12",
            "--layers", "auto", "--out", out_, "--csv");
        Assert.True(code == 0, err);

        var data = MnistDataset.Load(MnistDir);
        var rows = TableFile.Read<PairRow>(Path.Combine(out_, "extract", "pairs.parquet"));
        Assert.Equal(3 * 2 * 12, rows.Count); // epochs × auto layers × pairs
        Assert.Equal([0, 5, 10], rows.Select(r => r.Epoch).Distinct().Order());
        foreach (var group in rows.GroupBy(r => r.Epoch))
        {
            var model = models[group.Key / 5];
            foreach (var r in group)
            {
                var x = data.Images.AsSpan(r.A * 784, 784).ToArray().Concat(data.Images.AsSpan(r.B * 784, 784).ToArray()).ToArray();
                var reference = model.Reference(x, 2);
                var hidden = reference[r.Layer];
                var width = model.Widths[r.Layer].Out;
                var h2 = 0.0;
                for (var i = 0; i < width; i++) h2 += Math.Pow(hidden[width + i] - hidden[i], 2);
                Assert.True(Math.Abs(r.H2 - h2) <= 1e-5 * Math.Max(h2, 1e-3), $"{styleName} epoch {r.Epoch} layer {r.Layer}: {r.H2} vs {h2}");
                var output = reference[^1];
                var y2 = 0.0;
                for (var i = 0; i < 10; i++) y2 += Math.Pow(output[10 + i] - output[i], 2);
                Assert.True(Math.Abs(r.Y2 - y2) <= 1e-5 * Math.Max(y2, 1e-3), $"{styleName} y2 {r.Y2} vs {y2}");
                Assert.Equal(data.Labels[r.A], r.LabelA);
            }
        }
        var manifest = RunManifest.Read(Path.Combine(out_, "run.json"));
        Assert.Equal(3, manifest.Inputs.Count); // the checkpoint files' hashes
        Assert.All(manifest.Stages.Values, s => Assert.Equal(StageState.Done, s.State));
        Assert.True(File.Exists(Path.Combine(out_, "fit", "fits.csv")));
        Assert.True(File.Exists(Path.Combine(out_, "report", "report.html")));
    }

    [Fact]
    public void NamedLayersAreExposedAndUsedInOrder()
    {
        using var scratch = new ScratchFolder();
        var models = WriteCheckpoints(scratch.File("ckpts"), new ForeignStyle { MatMulAdd = true });
        var name = models[0].HiddenActivations[1];
        var (code, err) = Cli("reanalyze", "--checkpoints", scratch.File("ckpts"), "--data", MnistDir, "--pairs", "classes:3-8:4",
            "--layers", name, "--out", scratch.File("out"));
        Assert.True(code == 0, err);
        var rows = TableFile.Read<PairRow>(scratch.File("out/extract/pairs.parquet"));
        Assert.All(rows, r => Assert.Equal(0, r.Layer));
        Assert.All(rows, r => Assert.Equal((3, 8), (Math.Min(r.LabelA, r.LabelB), Math.Max(r.LabelA, r.LabelB))));
    }

    public static TheoryData<string, string> BadFolders => new()
    {
        { "empty", "no .onnx files" },
        { "nonumber", "no epoch number in its name" },
        { "duplicate", "same epoch" },
        { "architecture", "differ" },
        { "layer", "candidates" },
        { "width", "784" },
    };

    [Theory]
    [MemberData(nameof(BadFolders))]
    public void BadCheckpointFoldersExitWith2AndWriteNothing(string kind, string expected)
    {
        using var scratch = new ScratchFolder();
        var dir = scratch.File("ckpts");
        Directory.CreateDirectory(dir);
        var style = new ForeignStyle();
        var layers = "auto";
        switch (kind)
        {
            case "nonumber":
                WriteCheckpoints(dir, style);
                ForeignMlp.Create(style with { InputWidth = 784, Outputs = 10 }).Save(Path.Combine(dir, "final.onnx"));
                break;
            case "duplicate":
                WriteCheckpoints(dir, style);
                ForeignMlp.Create(style with { InputWidth = 784, Outputs = 10 }).Save(Path.Combine(dir, "epoch-005.onnx"));
                break;
            case "architecture":
                WriteCheckpoints(dir, style);
                ForeignMlp.Create(style with { InputWidth = 784, Outputs = 10, Hidden = [12, 9] }).Save(Path.Combine(dir, "ckpt_20.onnx"));
                break;
            case "layer":
                WriteCheckpoints(dir, style);
                layers = "no_such_value";
                break;
            case "width":
                ForeignMlp.Create(style with { InputWidth = 100, Outputs = 10 }).Save(Path.Combine(dir, "ckpt_1.onnx"));
                break;
        }
        var out_ = scratch.File("out");
        var (code, err) = Cli("reanalyze", "--checkpoints", dir, "--data", MnistDir, "--layers", layers, "--out", out_);
        Assert.Equal(2, code);
        Assert.Contains(expected, err);
        Assert.False(Directory.Exists(out_), "nothing is written on bad input");
    }
}

/// <summary>Reanalysing a RepAlign run folder reuses its spec: only the pairs change.</summary>
public class ReanalyzeRunFolderTests
{
    private static string MnistDir => TestPaths.Repo("data", "mnist-10k");

    [Fact]
    public void RunFolderReusesDataNormalisationAndLayers()
    {
        using var scratch = new ScratchFolder();
        var run = scratch.File("run");
        var (trained, trainErr) = CliRunner.Run("run", TestPaths.Repo("pipelines", "mnist-pairs.toml"), "--out", run, "--to", "train",
            "--set", "train.epochs=2", "--set", "model.width=16", "--set", "model.depth=3", "--set", $"data.path={MnistDir}");
        Assert.True(trained == 0, trainErr);

        var (code, err) = CliRunner.Run("reanalyze", "--checkpoints", run, "--pairs", "classes:2-7:3", "--out", scratch.File("re"));
        Assert.True(code == 0, err);
        var rows = TableFile.Read<PairRow>(scratch.File("re/extract/pairs.parquet"));
        Assert.Equal(3 * 3 * 3, rows.Count); // checkpoints (epochs 0..2) × the run's 3 tracked layers × pairs
        Assert.All(rows, r => Assert.Equal((2, 7), (Math.Min(r.LabelA, r.LabelB), Math.Max(r.LabelA, r.LabelB))));
        var manifest = RunManifest.Read(scratch.File("re/run.json"));
        Assert.Equal(MnistDir, manifest.Spec.Data.Path);
        Assert.Equal(1000, manifest.Spec.Data.HeldOut);
        Assert.Equal(3, manifest.Inputs.Count);
    }
}

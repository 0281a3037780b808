using System.Text.Json;
using RepAlign.Core.Specs;
using RepAlign.Core.Tables;
using RepAlign.Pipelines.Reanalysis;
using RepAlign.Pipelines.Runner;

namespace RepAlign.Tests.Pipelines;

/// <summary>
/// One PyTorch training run saved as researchers save it (tests/corpus/pytorch_weights_corpus.py: torch.save
/// state_dicts with layers.K and nn.Sequential names, safetensors by the format's specification, a Lightning
/// checkpoint dictionary, custom names with a parameter map, and torch.onnx.export of the same weights), generated
/// once per test run by Debian's PyTorch 1.13, with PyTorch's own h², y², w in float64.
/// </summary>
public sealed class PyTorchWeightsCorpus : IDisposable
{
    private readonly Lazy<IReadOnlyList<PairRow>> onnxRows;

    /// <summary>Generates the corpus (a few seconds); fails when python3-torch is missing (.ci/run installs it).</summary>
    public PyTorchWeightsCorpus()
    {
        var (code, output) = ChildProcess.RunAsync("/usr/bin/python3",
            [TestPaths.Repo("tests", "corpus", "pytorch_weights_corpus.py"), "--data", MnistDir, "--out", Folder],
            TimeSpan.FromMinutes(5)).GetAwaiter().GetResult();
        Assert.True(code == 0, $"the corpus script failed (python3-torch and python3-onnx installed?): {output}");
        Json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "corpus.json"))).RootElement.Clone();
        onnxRows = new Lazy<IReadOnlyList<PairRow>>(() => Reanalyse(new ReanalyzeRequest
        {
            Checkpoints = Kind("onnx"), Data = MnistDir, Pairs = Pairs, Layers = ["auto"], Out = "",
        }));
    }

    /// <summary>The MNIST folder the corpus was trained on.</summary>
    public static string MnistDir => TestPaths.Repo("data", "mnist-10k");

    /// <summary>Where the files are.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "repalign-tests", "pytorch-weights-" + Guid.NewGuid().ToString("N"));

    /// <summary>corpus.json.</summary>
    public JsonElement Json { get; }

    /// <summary>The pairs file (columns a,b).</summary>
    public string Pairs => Path.Combine(Folder, "pairs.csv");

    /// <summary>The network as a file with only a [model] table.</summary>
    public string ModelToml => Path.Combine(Folder, "model.toml");

    /// <summary>The --param-map of the custom names.</summary>
    public string ParamMap => Path.Combine(Folder, "param_map.csv");

    /// <summary>The folder of one kind: layers, sequential, safetensors, lightning, custom or onnx.</summary>
    public string Kind(string kind) => Path.Combine(Folder, kind);

    /// <summary>The checkpoints: epoch, step, file name per kind, reference values per layer and pair.</summary>
    public JsonElement[] Checkpoints => Json.GetProperty("checkpoints").EnumerateArray().ToArray();

    /// <summary>The torch.onnx.export folder reanalysed with --layers auto (computed once).</summary>
    public IReadOnlyList<PairRow> OnnxRows => onnxRows.Value;

    /// <summary>A reanalysis (extract only) into a scratch folder, with the command line's importer; its pairs table.</summary>
    public static IReadOnlyList<PairRow> Reanalyse(ReanalyzeRequest request, Action<string>? info = null) => Reanalyse(request, "extract", info).Pairs;

    /// <summary>A reanalysis up to stage <paramref name="to"/> (extract or fit); its pairs table and, when fitted, the fit's curves.</summary>
    public static (IReadOnlyList<PairRow> Pairs, IReadOnlyList<CurveRow> Curves) Reanalyse(ReanalyzeRequest request, string to, Action<string>? info = null)
    {
        using var scratch = new ScratchFolder();
        var result = Reanalyzer.Run(request with { Out = scratch.File("out"), To = to }, RepAlign.FSharp.Stages.set, SilentObserver.Instance, default, info);
        Assert.True(result.Succeeded, result.Message);
        var curves = scratch.File("out/fit/curves.parquet");
        return (TableFile.Read<PairRow>(scratch.File("out/extract/pairs.parquet")).ToArray(),
            File.Exists(curves) ? TableFile.Read<CurveRow>(curves).ToArray() : []);
    }

    /// <summary>A request for one kind's folder with the corpus' model, data and pairs.</summary>
    public ReanalyzeRequest Request(string kind) => new()
    {
        Checkpoints = Kind(kind), Model = ModelToml, Data = MnistDir, Pairs = Pairs, Out = "",
        Time = kind == "safetensors" ? TimeAxis.Step : TimeAxis.Epoch, // its names give steps only
        ParamMap = kind == "custom" ? ParamMap : null,
    };

    /// <inheritdoc />
    public void Dispose()
    {
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>The corpus is generated once for every test that reads it.</summary>
[CollectionDefinition("pytorch weights")]
public sealed class PyTorchWeightsCollection : ICollectionFixture<PyTorchWeightsCorpus>;

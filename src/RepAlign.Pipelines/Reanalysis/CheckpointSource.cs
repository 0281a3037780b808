using RepAlign.Core;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Inference.Graphs;

namespace RepAlign.Pipelines.Reanalysis;

/// <summary>
/// The checkpoints a reanalysis reads, every file already checked: ONNX files as they are, or foreign weight files
/// (PyTorch's) that an <see cref="IWeightImporter"/> turns into RepAlign ONNX models of a spec. The extract stage asks
/// it for each checkpoint's ONNX model with the chosen values exposed as outputs.
/// </summary>
public sealed class CheckpointSource
{
    private readonly Func<CheckpointFile, byte[]> onnx;

    private CheckpointSource(IReadOnlyList<CheckpointFile> checkpoints, Func<CheckpointFile, byte[]> onnx, GraphInfo graph,
        IReadOnlyDictionary<string, string> hashes, object? parameters)
    {
        Checkpoints = checkpoints;
        this.onnx = onnx;
        Graph = graph;
        Hashes = hashes;
        Parameters = parameters;
    }

    /// <summary>The files, in time order.</summary>
    public IReadOnlyList<CheckpointFile> Checkpoints { get; }

    /// <summary>The graph of the first checkpoint's ONNX model (every other computes the same function).</summary>
    public GraphInfo Graph { get; }

    /// <summary>SHA-256 of every file read (checkpoints, external data, a parameter map), by full path.</summary>
    public IReadOnlyDictionary<string, string> Hashes { get; }

    /// <summary>What the extract stage's cache key needs beyond the files' hashes (the spec and parameter map of imported weights), or null.</summary>
    public object? Parameters { get; }

    /// <summary>Checkpoint <paramref name="index"/>'s ONNX model with <paramref name="outputs"/> exposed, serialised.</summary>
    public byte[] Exposed(int index, IReadOnlyList<string> outputs) =>
        Imported ? GraphEditor.ExposeOutputs(onnx(Checkpoints[index]), outputs, Checkpoints[index].Path) : GraphEditor.ExposeOutputs(Checkpoints[index].Path, outputs);

    /// <summary>Whether the files are foreign weights turned into ONNX.</summary>
    public bool Imported => Parameters is not null;

    /// <summary>A folder of ONNX checkpoints, checked to share one architecture.</summary>
    public static CheckpointSource Onnx(string dir, CheckpointNaming naming, Action<IReadOnlyList<CheckpointFile>>? describe)
    {
        var checkpoints = CheckpointFolder.Scan(dir, naming);
        describe?.Invoke(checkpoints);
        CheckpointFolder.ValidateSameArchitecture(checkpoints);
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var c in checkpoints)
        {
            hashes[Path.GetFullPath(c.Path)] = Hashing.File(c.Path);
            foreach (var data in ExternalData.Files(OnnxModelFile.Load(c.Path), c.Path)) hashes[data] = Hashing.File(data);
        }
        return new CheckpointSource(checkpoints, _ => Throw.Invariant<byte[]>("ONNX checkpoints are read from their files"), GraphInspector.Inspect(checkpoints[0].Path), hashes, null);
    }

    /// <summary>
    /// A folder of foreign weight files: every file is read and bound to the network of <paramref name="model"/> here
    /// (its time from its name and, where it holds them, its own epoch and step), so bad input stops before any work.
    /// </summary>
    public static CheckpointSource Import(string dir, CheckpointNaming naming, IWeightImporter importer, ModelSpec model, string? paramMap,
        Action<IReadOnlyList<CheckpointFile>>? describe)
    {
        ArgumentNullException.ThrowIfNull(importer);
        if (paramMap is not null && !File.Exists(paramMap)) Throw.BadInput($"--param-map {paramMap}: file not found (expected a CSV with columns name,parameter)");
        var kind = new CheckpointFiles
        {
            Extensions = importer.Extensions,
            Kind = "PyTorch weight",
            Inside = path => importer.Check(path, model, paramMap),
        };
        var checkpoints = CheckpointFolder.Scan(dir, naming, kind);
        describe?.Invoke(checkpoints);
        var hashes = checkpoints.ToDictionary(c => Path.GetFullPath(c.Path), c => Hashing.File(c.Path), StringComparer.Ordinal);
        var mapHash = paramMap is null ? null : Hashing.File(paramMap);
        if (paramMap is not null) hashes[Path.GetFullPath(paramMap)] = mapHash!;
        byte[] Convert(CheckpointFile c) => importer.ToOnnx(c.Path, model, paramMap, c.Epoch);
        var graph = GraphInspector.Inspect(Convert(checkpoints[0]), checkpoints[0].Path);
        return new CheckpointSource(checkpoints, Convert, graph, hashes, new { model = model with { Init = "" }, paramMap = mapHash });
    }
}

using Google.Protobuf;
using RepAlign.Core;
using RepAlign.Core.Checkpoints;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using static TorchSharp.torch;

namespace RepAlign.Training.PyTorch;

/// <summary>
/// PyTorch weight files (<see cref="StateDictReader"/>) loaded into RepAlign's network of a model spec
/// (<see cref="ParameterMapping"/>): for <c>model.init</c>, and for reanalysis, which turns each file into a RepAlign
/// ONNX checkpoint and extracts it as any other.
/// </summary>
public static class WeightImport
{
    /// <summary>The file extensions read (lower case).</summary>
    public static IReadOnlyList<string> Extensions => StateDictReader.Extensions;

    /// <summary>
    /// Copies the tensors of <paramref name="path"/> into <paramref name="network"/>'s parameters, bound by
    /// <paramref name="paramMap"/> (a <c>--param-map</c> CSV, or null) and then by order and shape; returns what was read.
    /// </summary>
    public static StateDict Load(RepNetwork network, string path, string? paramMap)
    {
        ArgumentNullException.ThrowIfNull(network);
        var file = StateDictReader.Read(path);
        var map = paramMap is null ? null : ParameterMapping.ReadMap(paramMap);
        var parameters = network.named_parameters().ToArray();
        var targets = parameters.Select(p => new TargetParameter(p.name, p.parameter.shape)).ToArray();
        var bound = ParameterMapping.Bind(file, targets, map, paramMap);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (var i = 0; i < parameters.Length; i++)
            parameters[i].parameter.copy_(tensor(bound[i].Values, bound[i].Shape));
        return file;
    }

    /// <summary>
    /// Loads <c>model.init</c> into <paramref name="network"/>: an ONNX file (<see cref="OnnxWeights"/>) or a PyTorch
    /// weight file (<see cref="Load"/>); <see cref="BadInputException"/> starting "model.init:" otherwise.
    /// </summary>
    public static void LoadInit(RepNetwork network, string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
            Throw.BadInput($"model.init: {path}: file not found (expected an ONNX file, e.g. a run's checkpoints/epoch-00000.onnx, or PyTorch weights: {string.Join(", ", Extensions)})");
        if (string.Equals(Path.GetExtension(path), ".onnx", StringComparison.OrdinalIgnoreCase))
        {
            OnnxWeights.Load(network, path);
            return;
        }
        if (!StateDictReader.Reads(path))
            Throw.BadInput($"model.init: {path}: expected an ONNX file (.onnx) or PyTorch weights ({string.Join(", ", Extensions)})");
        try
        {
            Load(network, path, paramMap: null);
        }
        catch (BadInputException e)
        {
            Throw.BadInput($"model.init: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads <paramref name="path"/> into the MNIST network (784 inputs, 10 outputs) of <paramref name="model"/>,
    /// so every problem shows before any work; returns the epoch and step the file holds inside (null where none).
    /// </summary>
    public static (int? Epoch, long? Step) Check(string path, ModelSpec model, string? paramMap)
    {
        using var network = Create(model);
        var file = Load(network, path, paramMap);
        return (file.Epoch, file.Step);
    }

    /// <summary>The weights of <paramref name="path"/> as a RepAlign ONNX model of <paramref name="model"/> (outputs <c>hidden_k</c> and <c>output</c>), serialised.</summary>
    public static byte[] ToOnnx(string path, ModelSpec model, string? paramMap, int epoch)
    {
        using var network = Create(model);
        Load(network, path, paramMap);
        network.eval();
        var info = new CheckpointInfo(model with { Init = "" }, new DataSpec { Kind = DataKind.Mnist }, new TrainSpec(), Math.Max(epoch, 0));
        return OnnxExporter.Build(network, info).ToByteArray();
    }

    /// <summary>The network of <paramref name="model"/> for MNIST, initialised from seed 0 (every weight is then overwritten).</summary>
    public static RepNetwork Create(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        TorchRuntime.EnsureLoaded();
        using var generator = new Generator(0, CPU);
        return NetworkFactory.Create(model with { Init = "" }, MnistDataset.PixelCount, MnistDataset.ClassCount, generator);
    }
}

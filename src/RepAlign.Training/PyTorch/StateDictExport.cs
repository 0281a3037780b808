using System.Collections.Specialized;
using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Runs;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Training.Native;
using RepAlign.Training.Onnx;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace RepAlign.Training.PyTorch;

/// <summary>The files <c>repalign export</c> writes.</summary>
public enum StateDictFormat
{
    /// <summary>A <c>torch.save</c> archive of the state_dict (TorchSharp.PyBridge's pickler), read by <c>torch.load</c>.</summary>
    Pt,
    /// <summary>A safetensors file of the state_dict (TorchSharp.PyBridge's writer).</summary>
    Safetensors,
}

/// <summary>
/// Writes a run's checkpoints as PyTorch state_dicts, so Python loads RepAlign-trained networks with
/// <c>torch.load</c> and <c>load_state_dict</c>. Each <c>checkpoints/epoch-NNNNN.onnx</c> is read into the run's
/// network (<see cref="OnnxWeights"/>) and its parameters written under the network's own names: the fully connected
/// kinds' <c>layers.K.weight</c> and <c>layers.K.bias</c> (K = 0 … depth, the read-out last), the cnn's
/// <c>inputLayer.*</c>, <c>convolutions.K.*</c> and <c>readout.*</c>.
/// </summary>
public static class StateDictExport
{
    /// <summary>The default output folder: <c>RUN/export/pt</c> or <c>RUN/export/safetensors</c>.</summary>
    public static string DefaultFolder(string runDir, StateDictFormat format) =>
        Path.Combine(runDir, "export", format == StateDictFormat.Pt ? "pt" : "safetensors");

    /// <summary>
    /// Writes every checkpoint of the run in <paramref name="runDir"/> into <paramref name="outDir"/> (null =
    /// <see cref="DefaultFolder"/>), one file per checkpoint named as it (<c>epoch-00003.pt</c>), each written
    /// atomically; returns the files written. <see cref="BadInputException"/> when the folder is no run or has no checkpoints.
    /// </summary>
    public static IReadOnlyList<string> Run(string runDir, StateDictFormat format, string? outDir = null)
    {
        ArgumentNullException.ThrowIfNull(runDir);
        var manifestPath = Path.Combine(runDir, "run.json");
        if (!File.Exists(manifestPath)) Throw.BadInput($"--run {runDir}: no run.json, expected a RepAlign run folder (runs/<experiment>/<run-id>)");
        var spec = RunManifest.Read(manifestPath).Spec;
        var folder = Path.Combine(runDir, "checkpoints");
        var checkpoints = Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*.onnx").Order(StringComparer.Ordinal).ToArray()
            : [];
        if (checkpoints.Length == 0)
            Throw.BadInput($"--run {runDir}: no checkpoints/*.onnx, expected a run whose train stage has run (a reanalysis keeps no checkpoints of its own)");
        var extension = format == StateDictFormat.Pt ? ".pt" : ".safetensors";
        outDir ??= DefaultFolder(runDir, format);
        TorchRuntime.EnsureLoaded();
        using var network = Create(spec);
        var written = new List<string>();
        foreach (var checkpoint in checkpoints)
        {
            OnnxWeights.Load(network, checkpoint);
            var target = Path.Combine(outDir, Path.GetFileNameWithoutExtension(checkpoint) + extension);
            Write(network, format, target);
            written.Add(target);
        }
        return written;
    }

    /// <summary>Writes <paramref name="network"/>'s parameters as a state_dict in <paramref name="format"/> to <paramref name="path"/>, atomically.</summary>
    public static void Write(RepNetwork network, StateDictFormat format, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        using var scope = NewDisposeScope();
        var named = network.named_parameters().Select(p => (p.name, Tensor: p.parameter.detach().cpu().contiguous())).ToArray();
        if (format == StateDictFormat.Pt)
        {
            var state = new OrderedDictionary(StringComparer.Ordinal);
            foreach (var (name, t) in named) state.Add(name, t);
            AtomicFile.Write(path, stream => PyTorchPickler.PickleStateDict(stream, state, leaveOpen: true));
        }
        else
        {
            var state = named.ToDictionary(n => n.name, n => n.Tensor, StringComparer.Ordinal);
            AtomicFile.Write(path, stream => TorchSharp.PyBridge.Safetensors.SaveStateDict(stream, state, leaveOpen: true));
        }
    }

    private static RepNetwork Create(ExperimentSpec spec)
    {
        var points = spec.Data.Kind == DataKind.Mnist ? null : PointSet.Of(spec.Data);
        var (inputs, outputs) = points is null ? (MnistDataset.PixelCount, MnistDataset.ClassCount) : (points.InputDim, points.OutputDim);
        using var generator = new Generator(0, CPU);
        return NetworkFactory.Create(spec.Model with { Init = "" }, inputs, outputs, generator);
    }
}

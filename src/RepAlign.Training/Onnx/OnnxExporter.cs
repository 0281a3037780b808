using System.Reflection;
using RepAlign.Core.Runs;
using Google.Protobuf;
using Onnx;
using RepAlign.Core.Specs;
using RepAlign.Training.Models;
using RepAlign.Core.Checkpoints;

namespace RepAlign.Training.Onnx;

/// <summary>Writes a <see cref="RepNetwork"/> as an ONNX model (opset 17, IR 8, standard operators only).</summary>
public static class OnnxExporter
{
    /// <summary>The ONNX IR version written.</summary>
    public const long IrVersion = 8;

    /// <summary>The default-domain opset written.</summary>
    public const long Opset = 17;

    /// <summary>The producer name written.</summary>
    public const string ProducerName = "RepAlign";

    /// <summary>RepAlign's version as written into checkpoints.</summary>
    public static string Version { get; } =
        typeof(OnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Builds the model: input <c>input</c> [batch, d_in]; outputs <c>hidden_0</c> … <c>hidden_{L−1}</c> then <c>output</c>.</summary>
    public static ModelProto Build(RepNetwork network, CheckpointInfo info)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(info);
        var graph = new OnnxGraphBuilder();
        graph.Input(OnnxNames.Input, network.InputDim);
        // The weights' detached CPU copies live in a scope: a temporary that only the stack references can be
        // finalised by the GC while libtorch still reads it (suspected in a test host that died in THSTensor_numel).
        using (TorchSharp.torch.NewDisposeScope()) NetworkGraph.Emit(network, graph);
        for (var k = 0; k < network.Depth; k++) graph.Output(OnnxNames.Hidden(k), network.HiddenWidths[k]);
        graph.Output(OnnxNames.Output, network.OutputDim);

        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = ProducerName,
            ProducerVersion = Version,
            Graph = graph.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        model.MetadataProps.Add(new StringStringEntryProto { Key = OnnxNames.SpecKey, Value = info.SpecJson });
        model.MetadataProps.Add(new StringStringEntryProto { Key = OnnxNames.EpochKey, Value = info.Epoch.ToString(inv) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = OnnxNames.SeedKey, Value = info.Train.Seed.ToString(inv) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = OnnxNames.VersionKey, Value = Version });
        return model;
    }

    /// <summary>Builds the model and writes it to <paramref name="path"/> atomically (temporary name, then rename).</summary>
    public static void Write(RepNetwork network, CheckpointInfo info, string path) => WriteAtomically(Build(network, info), path);

    /// <summary>Serialises a model to <paramref name="path"/> atomically (temporary name in the same folder, then rename).</summary>
    public static void WriteAtomically(ModelProto model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        AtomicFile.Write(path, model.WriteTo);
    }

    /// <summary>The checkpoint file name of an epoch: <c>epoch-00042.onnx</c>.</summary>
    public static string FileName(int epoch) => $"epoch-{epoch:D5}.onnx";
}

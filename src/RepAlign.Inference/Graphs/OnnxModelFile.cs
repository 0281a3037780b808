using Google.Protobuf;
using Onnx;
using RepAlign.Core;

namespace RepAlign.Inference.Graphs;

/// <summary>Reads ONNX model files into their protobuf form, with user-facing errors.</summary>
public static class OnnxModelFile
{
    /// <summary>Parses the model at <paramref name="path"/>; <see cref="BadInputException"/> when it is missing or not an ONNX model.</summary>
    public static ModelProto Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path)) Throw.BadValue("model", path, "an existing ONNX file");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses model bytes; <paramref name="source"/> names them in messages.</summary>
    public static ModelProto Parse(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            return Throw.BadInput<ModelProto>($"{source}: not an ONNX model ({e.Message}); expected an ONNX ModelProto file as torch.onnx.export writes");
        }
        if (model.Graph is null || model.Graph.Node.Count == 0)
            Throw.BadValue(source, "a model without a graph or without nodes", "an ONNX model with a computation graph");
        return model;
    }
}

using Google.Protobuf;
using Onnx;
using RepAlign.Core;

namespace RepAlign.Inference.Graphs;

/// <summary>
/// Weights saved outside the <c>.onnx</c> file (<c>onnx.save_model(..., save_as_external_data=True)</c>, or
/// exports above 2 GB): the data files they name, relative to the model's folder, and reading them back in.
/// </summary>
public static class ExternalData
{
    /// <summary>The largest model RepAlign inlines (protobuf's limit is 2 GB).</summary>
    public const long MaxInlineBytes = 1_900_000_000;

    /// <summary>
    /// The full paths of the data files <paramref name="model"/> (read from <paramref name="modelPath"/>) refers
    /// to, in order of first use; <see cref="BadInputException"/> naming the tensor and file when one is missing
    /// or lies outside the model's folder.
    /// </summary>
    public static IReadOnlyList<string> Files(ModelProto model, string modelPath)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(modelPath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        var files = new List<string>();
        foreach (var t in Tensors(model))
        {
            var location = Entry(t, "location");
            if (location is null || location.Length == 0)
                Throw.BadInput($"{modelPath}: tensor '{t.Name}' is stored outside the file but names no location; expected external_data with a 'location' (as onnx.save_model writes)");
            var full = Path.GetFullPath(Path.Combine(folder, location));
            if (!full.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                Throw.BadInput($"{modelPath}: tensor '{t.Name}' has its data at '{location}', outside the model's folder; expected a data file beside the model (onnx.save_model(..., location='{Path.GetFileName(location)}'))");
            if (!File.Exists(full))
                Throw.BadInput($"{modelPath}: tensor '{t.Name}' has its data in {full}, which does not exist; keep the data file '{location}' beside the .onnx file as it was saved, or save the model with its weights inside (onnx.save_model(model, path) without save_as_external_data)");
            if (!files.Contains(full)) files.Add(full);
        }
        return files;
    }

    /// <summary>
    /// Reads every externally stored tensor of <paramref name="model"/> into the model itself, so the model can be
    /// written and loaded anywhere; <see cref="BadInputException"/> for a missing file, a range beyond its end, or
    /// a model above <see cref="MaxInlineBytes"/>.
    /// </summary>
    public static void Inline(ModelProto model, string modelPath)
    {
        var files = Files(model, modelPath);
        if (files.Count == 0) return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(modelPath))!;
        long total = model.CalculateSize();
        foreach (var t in Tensors(model).ToArray())
        {
            var file = Path.GetFullPath(Path.Combine(folder, Entry(t, "location")!));
            var offset = long.TryParse(Entry(t, "offset"), out var o) ? o : 0;
            var size = new FileInfo(file).Length;
            var length = long.TryParse(Entry(t, "length"), out var l) ? l : size - offset;
            if (offset < 0 || length < 0 || offset + length > size)
                Throw.BadInput($"{modelPath}: tensor '{t.Name}' reads bytes {offset}…{offset + length} of {file}, which has {size}; expected the data file saved with this model");
            total += length;
            if (total > MaxInlineBytes)
                Throw.BadInput($"{modelPath}: its weights exceed {MaxInlineBytes / 1_000_000_000.0:F1} GB, more than RepAlign reads into one model; expected a smaller checkpoint (export the layers up to the last one analysed)");
            var bytes = new byte[length];
            using (var stream = File.OpenRead(file))
            {
                stream.Position = offset;
                stream.ReadExactly(bytes);
            }
            t.RawData = ByteString.CopyFrom(bytes);
            t.ExternalData.Clear();
            t.DataLocation = TensorProto.Types.DataLocation.Default;
        }
    }

    private static IEnumerable<TensorProto> Tensors(ModelProto model) =>
        model.Graph.Initializer
            .Concat(model.Graph.Node.SelectMany(n => n.Attribute).Where(a => a.T is not null).Select(a => a.T))
            .Where(t => t.DataLocation == TensorProto.Types.DataLocation.External);

    private static string? Entry(TensorProto t, string key) => t.ExternalData.FirstOrDefault(e => e.Key == key)?.Value;
}

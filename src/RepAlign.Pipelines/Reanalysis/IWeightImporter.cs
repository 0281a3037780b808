using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Reanalysis;

/// <summary>
/// Turns foreign weight files (PyTorch state_dicts, safetensors, Lightning checkpoints) into RepAlign ONNX models of a
/// model spec, which reanalysis then extracts like any other checkpoint. Reanalysis needs no torch itself: the command
/// line passes RepAlign.Training's importer (<c>RepAlign.Training.PyTorch.WeightImport</c>).
/// </summary>
public interface IWeightImporter
{
    /// <summary>The file extensions it reads, with the dot (<c>.pt</c>, <c>.safetensors</c>, …).</summary>
    IReadOnlyCollection<string> Extensions { get; }

    /// <summary>
    /// Reads <paramref name="path"/> into the MNIST network of <paramref name="model"/>, bound by <paramref name="paramMap"/>
    /// (a CSV of names, or null); returns the epoch and step the file holds inside (null where it holds none).
    /// Anything it cannot read or bind is <see cref="Core.BadInputException"/> naming the file.
    /// </summary>
    (int? Epoch, long? Step) Check(string path, ModelSpec model, string? paramMap);

    /// <summary>The weights of <paramref name="path"/> as a serialised RepAlign ONNX model: input <c>input</c>, outputs <c>hidden_0</c> … and <c>output</c>.</summary>
    byte[] ToOnnx(string path, ModelSpec model, string? paramMap, int epoch);
}

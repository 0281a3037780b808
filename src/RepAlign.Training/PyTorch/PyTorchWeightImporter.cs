using RepAlign.Core.Specs;
using RepAlign.Pipelines.Reanalysis;

namespace RepAlign.Training.PyTorch;

/// <summary>Reanalysis's reader of PyTorch weight files: <see cref="WeightImport"/> behind the interface the training core offers.</summary>
public sealed class PyTorchWeightImporter : IWeightImporter
{
    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions => WeightImport.Extensions.ToArray();

    /// <inheritdoc />
    public (int? Epoch, long? Step) Check(string path, ModelSpec model, string? paramMap) => WeightImport.Check(path, model, paramMap);

    /// <inheritdoc />
    public byte[] ToOnnx(string path, ModelSpec model, string? paramMap, int epoch) => WeightImport.ToOnnx(path, model, paramMap, epoch);
}

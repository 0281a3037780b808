using Microsoft.ML.OnnxRuntime;
using RepAlign.Core;

namespace RepAlign.Inference;

/// <summary>One named output of a run: float32 values, row-major, and their shape.</summary>
/// <param name="Name">Output name.</param>
/// <param name="Values">The values, row-major.</param>
/// <param name="Shape">The shape (first dimension = batch).</param>
public sealed record NamedOutput(string Name, float[] Values, long[] Shape)
{
    /// <summary>Number of values per batch row.</summary>
    public int RowLength => Shape.Length == 0 || Shape[0] == 0 ? 0 : (int)(Values.Length / Shape[0]);

    /// <summary>Batch row <paramref name="row"/>, flattened.</summary>
    public ReadOnlySpan<float> Row(int row) => Values.AsSpan(row * RowLength, RowLength);
}

/// <summary>
/// Runs one ONNX model on batches of float32 rows and returns the requested outputs by name.
/// The building block of two-point and bulk extraction.
/// </summary>
public sealed class OnnxModelRunner : IDisposable
{
    private readonly InferenceSession session;

    /// <summary>Opens the model on the device of <paramref name="options"/>.</summary>
    public OnnxModelRunner(string modelPath, InferenceOptions options)
    {
        ModelPath = modelPath;
        session = OnnxSessionFactory.Create(modelPath, options);
        if (session.InputNames.Count != 1)
            Throw.BadValue(modelPath, $"{session.InputNames.Count} graph inputs", "exactly one input (a float tensor [batch, features])");
        InputName = session.InputNames[0];
        var dims = session.InputMetadata[InputName].Dimensions;
        InputWidth = dims.Skip(1).Aggregate(1, (a, d) => a * Math.Max(d, 1));
        InputShapeTail = dims.Skip(1).Select(d => (long)d).ToArray();
    }

    /// <summary>The model file.</summary>
    public string ModelPath { get; }

    /// <summary>The single input's name.</summary>
    public string InputName { get; }

    /// <summary>Values per input row (product of the non-batch dimensions).</summary>
    public int InputWidth { get; }

    /// <summary>The non-batch input dimensions.</summary>
    public IReadOnlyList<long> InputShapeTail { get; }

    /// <summary>The graph's output names, in order.</summary>
    public IReadOnlyList<string> OutputNames => session.OutputNames;

    /// <summary>Runs <paramref name="batch"/> rows of <see cref="InputWidth"/> values and returns the named outputs, in the order asked.</summary>
    public IReadOnlyList<NamedOutput> Run(ReadOnlySpan<float> rows, int batch, IReadOnlyList<string> outputs)
    {
        if (batch < 1 || rows.Length != batch * InputWidth)
            Throw.BadValue($"{ModelPath}: input", $"{rows.Length} values for batch {batch}", $"batch × {InputWidth} values");
        foreach (var name in outputs)
            if (!session.OutputNames.Contains(name))
                Throw.BadValue($"{ModelPath}: output", name, $"one of {string.Join(", ", session.OutputNames)}");

        var shape = new long[] { batch }.Concat(InputShapeTail).ToArray();
        using var input = OrtValue.CreateTensorValueFromMemory(rows.ToArray(), shape);
        using var runOptions = new RunOptions();
        using var results = session.Run(runOptions, [InputName], [input], outputs.ToArray());
        var named = new NamedOutput[outputs.Count];
        var i = 0;
        foreach (var value in results)
        {
            named[i] = new NamedOutput(outputs[i], value.GetTensorDataAsSpan<float>().ToArray(), value.GetTensorTypeAndShape().Shape);
            i++;
        }
        return named;
    }

    /// <summary>Releases the session.</summary>
    public void Dispose() => session.Dispose();
}

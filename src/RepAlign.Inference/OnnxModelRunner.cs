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
    private readonly RunOptions intoOptions = new();

    /// <summary>Opens the model on the device of <paramref name="options"/>.</summary>
    public OnnxModelRunner(string modelPath, InferenceOptions options)
        : this(modelPath, OnnxSessionFactory.Create(modelPath, options), options, [])
    {
    }

    /// <summary>
    /// Opens a checkpoint's graph whose weights are inputs (<see cref="Graphs.CheckpointWeights.Template"/>); every
    /// run needs the weights bound (<see cref="Bulk.BatchRunner.BindWeights"/>). <paramref name="modelPath"/> names it in messages.
    /// </summary>
    public OnnxModelRunner(string modelPath, byte[] template, IReadOnlyCollection<string> weights, InferenceOptions options)
        : this(modelPath, OnnxSessionFactory.Create(template, modelPath, options), options, weights)
    {
    }

    private OnnxModelRunner(string modelPath, InferenceSession opened, InferenceOptions options, IReadOnlyCollection<string> weights)
    {
        ModelPath = modelPath;
        Options = options;
        session = opened;
        var inputs = session.InputNames.Where(n => !weights.Contains(n)).ToArray();
        if (inputs.Length != 1)
        {
            session.Dispose();
            Throw.BadValue(modelPath, $"{inputs.Length} graph inputs", "exactly one input (a float tensor [batch, features])");
        }
        InputName = inputs[0];
        var dims = session.InputMetadata[InputName].Dimensions;
        InputWidth = dims.Skip(1).Aggregate(1, (a, d) => a * Math.Max(d, 1));
        InputShapeTail = dims.Skip(1).Select(d => (long)d).ToArray();
        InputBatch = dims.Length > 0 && dims[0] > 0 ? dims[0] : -1;
    }

    /// <summary>The model file.</summary>
    public string ModelPath { get; }

    /// <summary>The device and threads the session runs with.</summary>
    public InferenceOptions Options { get; }

    /// <summary>The session (for the batch runner's IOBinding).</summary>
    internal InferenceSession Session => session;

    /// <summary>The single input's name.</summary>
    public string InputName { get; }

    /// <summary>Values per input row (product of the non-batch dimensions).</summary>
    public int InputWidth { get; }

    /// <summary>The input's batch dimension when the graph fixes it (e.g. 1 or 32), or −1 when it is symbolic.</summary>
    public long InputBatch { get; }

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

    /// <summary>
    /// Values per batch row of output <paramref name="name"/> from the graph's metadata (product of
    /// the non-batch dimensions), or −1 when one of them is symbolic or unknown.
    /// </summary>
    public int OutputWidth(string name)
    {
        if (!session.OutputMetadata.TryGetValue(name, out var meta))
            Throw.BadValue($"{ModelPath}: output", name, $"one of {string.Join(", ", session.OutputNames)}");
        var width = 1L;
        foreach (var d in meta.Dimensions.Skip(1))
        {
            if (d <= 0) return -1;
            width *= d;
        }
        return (int)width;
    }

    /// <summary>The non-batch dimensions of output <paramref name="name"/> (all fixed when <see cref="OutputWidth"/> is not −1).</summary>
    public long[] OutputShapeTail(string name)
    {
        if (!session.OutputMetadata.TryGetValue(name, out var meta))
            Throw.BadValue($"{ModelPath}: output", name, $"one of {string.Join(", ", session.OutputNames)}");
        return meta.Dimensions.Skip(1).Select(d => (long)d).ToArray();
    }

    /// <summary>
    /// Runs <paramref name="batch"/> rows and lets ONNX Runtime write each requested output straight
    /// into the caller's buffer (no copy, no allocation of output tensors): <paramref name="destinations"/>[k]
    /// receives output <paramref name="outputs"/>[k] and must hold exactly batch × <see cref="OutputWidth"/> values.
    /// The buffers are pinned for the duration of the call only, so they can be reused across batches and models.
    /// </summary>
    public void RunInto(Memory<float> rows, int batch, IReadOnlyList<string> outputs, IReadOnlyList<Memory<float>> destinations)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(destinations);
        if (batch < 1 || rows.Length != batch * InputWidth)
            Throw.BadValue($"{ModelPath}: input", $"{rows.Length} values for batch {batch}", $"batch × {InputWidth} values");
        if (destinations.Count != outputs.Count)
            Throw.Argument(nameof(destinations), $"{outputs.Count} outputs but {destinations.Count} destination buffers");
        var outputValues = new OrtValue[outputs.Count];
        try
        {
            for (var k = 0; k < outputs.Count; k++)
            {
                var width = OutputWidth(outputs[k]);
                if (width < 0) Throw.Argument(nameof(outputs), $"{ModelPath}: output {outputs[k]} has a symbolic non-batch dimension; use Run");
                if (destinations[k].Length != batch * width)
                    Throw.Argument(nameof(destinations), $"{ModelPath}: output {outputs[k]} needs {batch} × {width} values, the buffer has {destinations[k].Length}");
                var shape = new long[] { batch }.Concat(OutputShapeTail(outputs[k])).ToArray();
                outputValues[k] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, destinations[k], shape);
            }
            var inputShape = new long[] { batch }.Concat(InputShapeTail).ToArray(); // (B, d_in…)
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, rows, inputShape);
            session.Run(intoOptions, [InputName], [input], outputs, outputValues);
        }
        finally
        {
            foreach (var v in outputValues) v?.Dispose();
        }
    }

    /// <summary>Releases the session.</summary>
    public void Dispose()
    {
        intoOptions.Dispose();
        session.Dispose();
    }
}

namespace RepAlign.Inference.Graphs;

/// <summary>
/// Runs any number of rows through an <see cref="OnnxModelRunner"/> in chunks: of the model's fixed batch
/// size (the last chunk padded with zero rows whose outputs are dropped), or of a chosen maximum when the
/// batch dimension is free. N rows take ⌈N / chunk⌉ calls; outputs come back concatenated as one batch.
/// </summary>
public sealed class ChunkedRunner
{
    /// <summary>Chunks of <paramref name="chunkSize"/> rows; with <paramref name="padLastChunk"/> every call gets exactly that many.</summary>
    public ChunkedRunner(OnnxModelRunner runner, int chunkSize, bool padLastChunk)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        Runner = runner;
        ChunkSize = chunkSize;
        PadLastChunk = padLastChunk;
    }

    /// <summary>
    /// The runner for <paramref name="info"/>'s input: chunks of its fixed batch size with padding, or of
    /// <paramref name="maxBatch"/> rows without padding when the batch dimension is symbolic.
    /// </summary>
    public static ChunkedRunner For(OnnxModelRunner runner, GraphInfo info, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var fixedBatch = GraphEditor.FixedBatch(info, runner.InputName);
        return fixedBatch is { } b ? new ChunkedRunner(runner, b, padLastChunk: true) : new ChunkedRunner(runner, maxBatch, padLastChunk: false);
    }

    /// <summary>The wrapped runner.</summary>
    public OnnxModelRunner Runner { get; }

    /// <summary>Rows per call.</summary>
    public int ChunkSize { get; }

    /// <summary>Whether the last chunk is padded to <see cref="ChunkSize"/> rows (fixed-batch models).</summary>
    public bool PadLastChunk { get; }

    /// <summary>Number of calls for <paramref name="rows"/> rows: ⌈rows / chunk⌉.</summary>
    public static int Calls(int rows, int chunk) => rows <= 0 ? 0 : (rows + chunk - 1) / chunk;

    /// <summary>Runs <paramref name="count"/> rows and returns the named outputs for all of them, shape (count, …).</summary>
    public IReadOnlyList<NamedOutput> Run(ReadOnlySpan<float> rows, int count, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var width = Runner.InputWidth;
        if (count < 1 || rows.Length != count * width)
            RepAlign.Core.Throw.BadValue($"{Runner.ModelPath}: input", $"{rows.Length} values for {count} rows", $"rows × {width} values");

        float[][]? values = null;
        long[][]? shapes = null;
        var padded = PadLastChunk ? new float[ChunkSize * width] : null;
        for (var start = 0; start < count; start += ChunkSize)
        {
            var n = Math.Min(ChunkSize, count - start);
            var chunk = rows.Slice(start * width, n * width);
            var batch = n;
            if (padded is not null && n < ChunkSize)
            {
                Array.Clear(padded);
                chunk.CopyTo(padded);
                chunk = padded;
                batch = ChunkSize;
            }
            var results = Runner.Run(chunk, batch, outputs);
            if (values is null || shapes is null)
            {
                values = results.Select(r => new float[(long)count * r.RowLength]).ToArray();
                shapes = results.Select(r => (long[])[count, .. r.Shape.Skip(1)]).ToArray(); // (count, …)
            }
            for (var o = 0; o < results.Count; o++)
            {
                var rowLength = results[o].RowLength;
                results[o].Values.AsSpan(0, n * rowLength).CopyTo(values[o].AsSpan(start * rowLength));
            }
        }
        return outputs.Select((name, o) => new NamedOutput(name, values![o], shapes![o])).ToArray();
    }
}

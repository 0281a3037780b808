using Microsoft.ML.OnnxRuntime;
using RepAlign.Core;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// One pass of a model over many images in batches: each batch's input rows are gathered into one buffer and ONNX
/// Runtime writes every output straight into its slice of preallocated representation buffers; a fixed-batch graph
/// gets its last batch padded with zero rows (and only the real rows kept).
/// </summary>
public static class BatchedForward
{
    /// <summary>One pass of the model over all of <paramref name="images"/> (see the other overload).</summary>
    /// <param name="runner">The open model.</param>
    /// <param name="request">Images, their width and the batch size.</param>
    /// <param name="images">Data indices of the images to run, in buffer order.</param>
    /// <param name="input">Input buffer of at least batch × width floats.</param>
    /// <param name="outputs">Output names.</param>
    /// <param name="representations">Per output, images.Length × widths[k] floats.</param>
    /// <param name="widths">Per output, values per row.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static void Run(OnnxModelRunner runner, BulkExtractRequest request, int[] images, float[] input, string[] outputs,
        float[][] representations, int[] widths, CancellationToken cancellationToken = default) =>
        Run(runner, request, images, 0, images?.Length ?? 0, input, outputs, representations, widths, cancellationToken);

    /// <summary>
    /// One pass of the model over images[<paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/>) (data indices), in batches of
    /// <see cref="BulkExtractRequest.BatchSize"/>: each batch's input rows are gathered into
    /// <paramref name="input"/> and ONNX Runtime writes every output straight into its slice of
    /// <paramref name="representations"/> (row r of output k = image images[r]).
    /// </summary>
    /// <param name="runner">The open model.</param>
    /// <param name="request">Images, their width and the batch size.</param>
    /// <param name="images">Data indices of all images, in buffer order.</param>
    /// <param name="first">First position in <paramref name="images"/> this pass runs.</param>
    /// <param name="count">Number of images this pass runs.</param>
    /// <param name="input">Input buffer of at least batch × width floats.</param>
    /// <param name="outputs">Output names.</param>
    /// <param name="representations">Per output, images.Length × widths[k] floats.</param>
    /// <param name="widths">Per output, values per row.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static void Run(OnnxModelRunner runner, BulkExtractRequest request, int[] images, int first, int count, float[] input, string[] outputs,
        float[][] representations, int[] widths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(representations);
        ArgumentNullException.ThrowIfNull(widths);
        var width = request.InputWidth;
        var batch = request.FixedBatch ? request.BatchSize : Math.Max(1, Math.Min(request.BatchSize, input.Length / width));
        if (input.Length < batch * width) Throw.Argument(nameof(input), $"input buffer of {input.Length} values, expected at least {batch} × {width}");
        if (first < 0 || count < 0 || first + count > images.Length)
            Throw.OutOfRange(nameof(count), count, $"images {first}..{first + count - 1} of {images.Length}");
        var destinations = new Memory<float>[outputs.Length];
        for (var start = first; start < first + count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(batch, first + count - start);
            for (var r = 0; r < rows; r++)
                request.Images.AsSpan(images[start + r] * width, width).CopyTo(input.AsSpan(r * width, width));
            var padded = request.FixedBatch && rows < batch;
            var runRows = padded ? batch : rows;
            if (padded) input.AsSpan(rows * width, (batch - rows) * width).Clear(); // zero rows up to the fixed batch
            for (var k = 0; k < outputs.Length; k++)
                destinations[k] = padded
                    ? new float[batch * widths[k]] // (batch, width_k), the first rows kept below
                    : representations[k].AsMemory(start * widths[k], rows * widths[k]); // (rows, width_k)
            try
            {
                runner.RunInto(input.AsMemory(0, runRows * width), runRows, outputs, destinations);
                if (padded)
                    for (var k = 0; k < outputs.Length; k++)
                        destinations[k][..(rows * widths[k])].CopyTo(representations[k].AsMemory(start * widths[k], rows * widths[k]));
            }
            catch (OnnxRuntimeException e)
            {
                Throw.WorkFailed($"{runner.ModelPath}: ONNX Runtime failed on images {start}..{start + rows - 1} of the batch pass: {e.Message}", e);
            }
        }
    }
}

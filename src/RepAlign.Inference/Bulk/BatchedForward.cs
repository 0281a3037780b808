using Microsoft.ML.OnnxRuntime;
using RepAlign.Core;

namespace RepAlign.Inference.Bulk;

/// <summary>
/// One pass of a model over many images in batches: each batch's input rows are gathered into the batch runner's
/// staging buffer and each output lands in its slice of preallocated representation buffers (<see cref="BatchRunner"/>);
/// a fixed-batch graph gets its last batch padded with zero rows (and only the real rows kept).
/// </summary>
public static class BatchedForward
{
    /// <summary>
    /// One pass of the model over images[<paramref name="first"/> .. <paramref name="first"/> + <paramref name="count"/>) (data indices), in batches of
    /// <see cref="BatchRunner.BatchSize"/>: row r of output k lands in <paramref name="representations"/>[k] at row r of the
    /// whole pass (image images[r]).
    /// </summary>
    /// <param name="runner">The open model's batch runner (its outputs, in order, are the representations').</param>
    /// <param name="request">Images, their width and whether the batch is fixed.</param>
    /// <param name="images">Data indices of all images, in buffer order.</param>
    /// <param name="first">First position in <paramref name="images"/> this pass runs.</param>
    /// <param name="count">Number of images this pass runs.</param>
    /// <param name="representations">Per output, images.Length × widths[k] floats.</param>
    /// <param name="widths">Per output, values per row.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    public static void Run(BatchRunner runner, BulkExtractRequest request, int[] images, int first, int count,
        float[][] representations, int[] widths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(representations);
        ArgumentNullException.ThrowIfNull(widths);
        var width = request.InputWidth;
        var batch = runner.BatchSize;
        if (runner.Runner.InputWidth != width) Throw.Argument(nameof(runner), $"{runner.Runner.ModelPath}: input width {runner.Runner.InputWidth}, the images have {width}");
        if (first < 0 || count < 0 || first + count > images.Length)
            Throw.OutOfRange(nameof(count), count, $"images {first}..{first + count - 1} of {images.Length}");
        var destinations = new Memory<float>[representations.Length];
        for (var start = first; start < first + count; start += batch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var rows = Math.Min(batch, first + count - start);
            var input = runner.Input;
            for (var r = 0; r < rows; r++)
                request.Images.AsSpan(images[start + r] * width, width).CopyTo(input.Slice(r * width, width));
            var runRows = request.FixedBatch ? batch : rows;
            if (runRows > rows) input[(rows * width)..(runRows * width)].Clear(); // zero rows up to the fixed batch
            for (var k = 0; k < representations.Length; k++)
                destinations[k] = representations[k].AsMemory(start * widths[k], rows * widths[k]); // (rows, width_k)
            try
            {
                runner.Run(rows, runRows, destinations);
            }
            catch (OnnxRuntimeException e)
            {
                Throw.WorkFailed($"{runner.Runner.ModelPath}: ONNX Runtime failed on images {start}..{start + rows - 1} of the batch pass: {e.Message}", e);
            }
        }
    }
}

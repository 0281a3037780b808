using RepAlign.Core.Data;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Runner;

/// <summary>
/// The expected cost of a run, for scheduling many independent runs on few cores: a sweep starts its runs longest
/// first (<see cref="LongestFirst"/>), so the last runs to finish are short ones and no core idles long at the end
/// while another finishes a long run it started late.
/// </summary>
/// <remarks>
/// Training dominates a run, and a training step costs about its weights × (rows in the step + 16): every step reads
/// each weight a few times (forward, backward, update) however small the batch — the two-point step moves its 19 MB of
/// weights about six times to process two rows — and does 6 multiply–adds per weight and row. So
/// cost ≈ epochs × steps per epoch × weights × (rows per step + 16), with weights ≈ width² × (depth − 1) +
/// width × (d_in + d_out). The unit is arbitrary; only the order matters. Runs that stop early (<c>train.stop_loss</c>)
/// count their full epochs: the bound is what is known before the run.
/// </remarks>
public static class RunCost
{
    /// <summary>Rows assumed for an MNIST run's training set (only the order of costs within one sweep matters).</summary>
    public const int NominalMnistRows = 10_000;

    /// <summary>The per-step cost of reading the weights, in rows: a step of b rows costs like b + <see cref="StepOverheadRows"/>.</summary>
    public const int StepOverheadRows = 16;

    /// <summary>The expected cost of training <paramref name="spec"/> (arbitrary units).</summary>
    public static double Expected(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var (rows, inputDim, outputDim) = spec.Data.Kind switch
        {
            DataKind.Mnist => (NominalMnistRows, MnistDataset.PixelCount, MnistDataset.ClassCount),
            DataKind.Xor => (4, 2, 1),
            DataKind.ContextBlobs => ContextBlobsShape.Value,
            _ => (2, spec.Data.InputDim, spec.Data.OutputDim),
        };
        var width = (double)spec.Model.Width;
        var weights = width * width * Math.Max(0, spec.Model.Depth - 1) + width * (inputDim + outputDim);
        var batch = spec.Train.Batch <= 0 || spec.Train.Batch >= rows ? rows : spec.Train.Batch;
        var steps = Math.Ceiling((double)rows / batch);
        return (double)spec.Train.Epochs * steps * weights * (batch + StepOverheadRows);
    }

    /// <summary>Indices of <paramref name="specs"/> in the order to start them: the most expensive first, ties in their given order.</summary>
    public static int[] LongestFirst(IReadOnlyList<ExperimentSpec> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var costs = specs.Select(Expected).ToArray();
        return Enumerable.Range(0, specs.Count).OrderByDescending(i => costs[i]).ToArray(); // a stable sort
    }

    private static readonly Lazy<(int Rows, int InputDim, int OutputDim)> ContextBlobsShape = new(() =>
    {
        var blobs = PointSet.ContextBlobs();
        return (blobs.Count, blobs.InputDim, blobs.OutputDim);
    });
}

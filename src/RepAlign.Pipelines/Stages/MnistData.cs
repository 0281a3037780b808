using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Stages;

/// <summary>The MNIST images of a run: the training part the network learns from and the held-out part.</summary>
/// <param name="Train">Images 0 … N − k − 1 of the IDX file (pairs index into these; their indices are the file's).</param>
/// <param name="HeldOut">The last k images of the file (validation accuracy).</param>
public sealed record MnistData(MnistDataset Train, MnistDataset HeldOut)
{
    /// <summary>Loads <c>data.path</c> with <c>data.normalize</c> and splits off the last <c>data.held_out</c> images.</summary>
    /// <remarks>The shipped set interleaves the classes, so its last images are class-balanced; a split by position
    /// keeps every training image's index equal to its index in the file, which is what pair tables and CSV pair files use.</remarks>
    public static MnistData Load(DataSpec data)
    {
        var normalization = data.Normalize;
        var all = MnistDataset.Load(data.Path, MnistSplit.Train, normalization);
        if (data.HeldOut >= all.Count)
            Throw.BadInput($"data.held_out: found {data.HeldOut}, expected fewer than the {all.Count} images in {data.Path}");
        var cut = all.Count - data.HeldOut;
        var train = all.Subset(Enumerable.Range(0, cut).ToArray());
        var heldOut = all.Subset(Enumerable.Range(cut, data.HeldOut).ToArray());
        return new MnistData(train, heldOut);
    }
}

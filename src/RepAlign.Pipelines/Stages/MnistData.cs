using RepAlign.Core;
using RepAlign.Core.Data;
using RepAlign.Core.Specs;

namespace RepAlign.Pipelines.Stages;

/// <summary>The MNIST images of a run: the training part the network learns from and the held-out part.</summary>
/// <param name="Train">Images 0 … N − k − 1 of the IDX file (pairs index into these; their indices are the file's).</param>
/// <param name="HeldOut">The last k images of the file, or with <c>data.held_out = 0</c> the folder's official test set (accuracy).</param>
public sealed record MnistData(MnistDataset Train, MnistDataset HeldOut)
{
    /// <summary>
    /// The files <see cref="Load"/> reads: the training split's IDX images and labels, and with <c>data.held_out = 0</c>
    /// the test split's when the folder has them.
    /// </summary>
    public static IReadOnlyList<string> Files(DataSpec data)
    {
        var (images, labels) = MnistDataset.Files(data.Path, MnistSplit.Train);
        if (data.HeldOut != 0 || !HasTestFiles(data.Path)) return [images, labels];
        var (testImages, testLabels) = MnistDataset.Files(data.Path, MnistSplit.Test);
        return [images, labels, testImages, testLabels];
    }

    /// <summary>The files a data-set stage reads from outside the run folder: <see cref="Files"/> and a pair CSV named by <c>extract.pairs</c>.</summary>
    public static IReadOnlyList<string> FilesWithPairs(ExperimentSpec spec)
    {
        var files = Files(spec.Data).ToList();
        if (PairSelection.Parse(spec.Extract.Pairs).FilePath is { } csv) files.Add(csv);
        return files;
    }

    /// <summary>
    /// Loads <c>data.path</c> with <c>data.normalize</c> and splits off the last <c>data.held_out</c> images. With
    /// <c>data.held_out = 0</c> every training image is trained on, and accuracy is measured on the folder's
    /// <c>t10k-images-idx3-ubyte</c>/<c>t10k-labels-idx1-ubyte</c> (plain or .gz) when it has them (none otherwise).
    /// </summary>
    /// <remarks>The shipped set interleaves the classes, so its last images are class-balanced; a split by position
    /// keeps every training image's index equal to its index in the file, which is what pair tables and CSV pair files use.</remarks>
    public static MnistData Load(DataSpec data)
    {
        var normalization = data.Normalize;
        var all = MnistDataset.Load(data.Path, MnistSplit.Train, normalization);
        if (data.HeldOut >= all.Count)
            Throw.BadInput($"data.held_out: found {data.HeldOut}, expected fewer than the {all.Count} images in {data.Path}");
        if (data.HeldOut == 0)
            return new MnistData(all, HasTestFiles(data.Path) ? MnistDataset.Load(data.Path, MnistSplit.Test, normalization) : all.Subset([]));
        var cut = all.Count - data.HeldOut;
        var train = all.Subset(Enumerable.Range(0, cut).ToArray());
        var heldOut = all.Subset(Enumerable.Range(cut, data.HeldOut).ToArray());
        return new MnistData(train, heldOut);
    }

    /// <summary>
    /// The pairs <c>extract.pairs</c> selects among the training images, seeded by <c>train.seed</c>: the one selection
    /// that the extract stage, its shards, their merge and the fit shards all use.
    /// </summary>
    public PairSet Pairs(ExperimentSpec spec) => PairSelection.Select(spec.Extract.Pairs, Train.Labels, (ulong)spec.Train.Seed);

    /// <summary>Whether a folder holds the official test files (t10k images and labels, plain or .gz).</summary>
    public static bool HasTestFiles(string folder) =>
        new[] { "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte" }.All(f => File.Exists(Path.Combine(folder, f)) || File.Exists(Path.Combine(folder, f + ".gz")));
}

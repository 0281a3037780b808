namespace RepAlign.Core.Data;

/// <summary>How MNIST pixel bytes become network inputs.</summary>
public enum MnistNormalization
{
    /// <summary>(pixel/255 − 0.1307)/0.3081: the customary MNIST mean and standard deviation, giving inputs of mean ≈ 0 and variance ≈ 1.</summary>
    Mnist,

    /// <summary>pixel/255, in [0, 1].</summary>
    None,
}

/// <summary>Which MNIST file pair to load from a folder.</summary>
public enum MnistSplit
{
    /// <summary>The training files, <c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c>.</summary>
    Train,

    /// <summary>The test files, <c>t10k-images-idx3-ubyte</c> and <c>t10k-labels-idx1-ubyte</c>.</summary>
    Test,
}

/// <summary>
/// MNIST digits in memory: 28×28 images as one contiguous row-major float array of N×784
/// normalised inputs, their labels 0..9, and the raw pixel bytes they came from.
/// </summary>
/// <remarks>
/// The arrays are shared, not copied, so that models and ONNX Runtime can use them without a
/// copy; callers must not modify them. Subsets and splits copy.
/// </remarks>
public sealed class MnistDataset
{
    /// <summary>Image side in pixels.</summary>
    public const int Side = 28;

    /// <summary>Pixels per image, 28×28.</summary>
    public const int PixelCount = Side * Side;

    /// <summary>Number of classes (digits 0..9).</summary>
    public const int ClassCount = 10;

    /// <summary>Mean pixel intensity of the MNIST training set on the [0, 1] scale, used by <see cref="MnistNormalization.Mnist"/>.</summary>
    public const double MnistMean = 0.1307;

    /// <summary>Standard deviation of pixel intensity of the MNIST training set on the [0, 1] scale, used by <see cref="MnistNormalization.Mnist"/>.</summary>
    public const double MnistStd = 0.3081;

    private readonly byte[] _pixels;

    private MnistDataset(byte[] pixels, byte[] labels, MnistNormalization normalization, string source)
    {
        _pixels = pixels;
        Labels = labels;
        Normalization = normalization;
        Source = source;
        Images = Normalize(pixels, normalization);
    }

    /// <summary>Number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>Normalised images, N×784 row-major: pixel (r, c) of image i is at <c>i·784 + r·28 + c</c>. Do not modify.</summary>
    public float[] Images { get; }

    /// <summary>Labels, one per image, each 0..9. Do not modify.</summary>
    public byte[] Labels { get; }

    /// <summary>Raw pixel bytes 0..255, N×784 row-major, as read from the IDX file.</summary>
    public ReadOnlyMemory<byte> Pixels => _pixels;

    /// <summary>The normalisation applied to <see cref="Images"/>.</summary>
    public MnistNormalization Normalization { get; }

    /// <summary>Where the data came from (the image file, or a description for subsets), for messages and manifests.</summary>
    public string Source { get; }

    /// <summary>The normalised pixels of image <paramref name="index"/>, 784 values row-major.</summary>
    /// <param name="index">Image index, 0..Count−1.</param>
    /// <returns>A view into <see cref="Images"/>.</returns>
    public ReadOnlySpan<float> Image(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return Images.AsSpan(index * PixelCount, PixelCount);
    }

    /// <summary>
    /// Loads an MNIST split from a folder holding IDX files named as in the MNIST database:
    /// <c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c> (or <c>t10k-…</c> for
    /// <see cref="MnistSplit.Test"/>), each plain or with a <c>.gz</c> suffix. Where both
    /// spellings exist the plain file is used. Compression is detected from the content.
    /// </summary>
    /// <param name="directory">The folder, e.g. <c>data/mnist-10k</c> or a folder with the full 60,000/10,000 sets.</param>
    /// <param name="split">Which file pair to load.</param>
    /// <param name="normalization">How pixels become inputs.</param>
    /// <returns>The data set.</returns>
    /// <exception cref="BadInputException">The folder or a file is missing, or a file is not valid MNIST IDX data.</exception>
    public static MnistDataset Load(string directory, MnistSplit split = MnistSplit.Train, MnistNormalization normalization = MnistNormalization.Mnist)
    {
        var (images, labels) = Files(directory, split);
        return FromFiles(images, labels, normalization);
    }

    /// <summary>The two IDX files <see cref="Load"/> reads for a split (plain preferred over <c>.gz</c>).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="split">Which file pair.</param>
    /// <returns>The images and labels paths.</returns>
    /// <exception cref="BadInputException">The folder or a file is missing.</exception>
    public static (string Images, string Labels) Files(string directory, MnistSplit split = MnistSplit.Train)
    {
        if (!Directory.Exists(directory))
            Throw.BadInput($"{directory}: folder not found, expected a folder with MNIST IDX files");
        string prefix = split == MnistSplit.Train ? "train" : "t10k";
        return (Find(directory, $"{prefix}-images-idx3-ubyte"), Find(directory, $"{prefix}-labels-idx1-ubyte"));
    }

    /// <summary>Loads MNIST images and labels from two IDX files, plain or gzip-compressed.</summary>
    /// <param name="imagesPath">IDX images file (magic 0x00000803, N×28×28).</param>
    /// <param name="labelsPath">IDX labels file (magic 0x00000801, N labels 0..9).</param>
    /// <param name="normalization">How pixels become inputs.</param>
    /// <returns>The data set.</returns>
    /// <exception cref="BadInputException">A file is missing or not valid IDX data, the images are not 28×28, the counts differ, or a label is outside 0..9.</exception>
    public static MnistDataset FromFiles(string imagesPath, string labelsPath, MnistNormalization normalization = MnistNormalization.Mnist)
    {
        IdxArray images = Idx.ReadImages(imagesPath);
        if (images.Dimensions[1] != Side || images.Dimensions[2] != Side)
            Throw.BadInput($"{imagesPath}: images of {images.Dimensions[1]}×{images.Dimensions[2]} pixels, expected {Side}×{Side} (MNIST)");
        IdxArray labels = Idx.ReadLabels(labelsPath);
        int imageCount = images.Dimensions[0], labelCount = labels.Dimensions[0];
        if (labelCount != imageCount)
            Throw.BadInput($"{labelsPath}: {labelCount} labels, expected {imageCount} (the image count of {imagesPath})");
        CheckLabels(labels.Data, labelsPath);
        return new MnistDataset(images.Data, labels.Data, normalization, imagesPath);
    }

    /// <summary>Builds a data set from raw pixel bytes and labels in memory (taken over, not copied).</summary>
    /// <param name="pixels">N×784 pixel bytes, row-major.</param>
    /// <param name="labels">N labels, each 0..9.</param>
    /// <param name="normalization">How pixels become inputs.</param>
    /// <param name="source">A description of where the data came from.</param>
    /// <returns>The data set.</returns>
    /// <exception cref="BadInputException">The lengths disagree or a label is outside 0..9.</exception>
    public static MnistDataset FromPixels(byte[] pixels, byte[] labels, MnistNormalization normalization = MnistNormalization.Mnist, string source = "memory")
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        if (pixels.LongLength != (long)labels.Length * PixelCount)
            Throw.BadInput($"{source}: {pixels.Length} pixel bytes, expected {(long)labels.Length * PixelCount} ({labels.Length} labels × {PixelCount})");
        CheckLabels(labels, source);
        return new MnistDataset(pixels, labels, normalization, source);
    }

    /// <summary>The input value of one pixel byte under a normalisation.</summary>
    /// <param name="pixel">Pixel byte 0..255.</param>
    /// <param name="normalization">The normalisation.</param>
    /// <returns>pixel/255 for <see cref="MnistNormalization.None"/>; (pixel/255 − 0.1307)/0.3081 for <see cref="MnistNormalization.Mnist"/>; computed in double, rounded to float.</returns>
    public static float NormalizePixel(byte pixel, MnistNormalization normalization) => normalization switch
    {
        MnistNormalization.None => (float)(pixel / 255.0),
        MnistNormalization.Mnist => (float)((pixel / 255.0 - MnistMean) / MnistStd),
        _ => Throw.OutOfRange<float>(nameof(normalization), normalization, "unknown MNIST normalisation"),
    };

    /// <summary>The same images under another normalisation (the raw pixels are shared, the float images are new).</summary>
    /// <param name="normalization">The normalisation.</param>
    /// <returns>This data set if the normalisation is unchanged, otherwise a new one.</returns>
    public MnistDataset WithNormalization(MnistNormalization normalization) =>
        normalization == Normalization ? this : new MnistDataset(_pixels, Labels, normalization, Source);

    /// <summary>One-hot targets for all images: N×10 row-major, 1 at each image's label and 0 elsewhere.</summary>
    /// <returns>A new array.</returns>
    public float[] OneHotTargets() => OneHot(Labels);

    /// <summary>One-hot encoding of labels: one row of 10 per label, 1 at the label and 0 elsewhere.</summary>
    /// <param name="labels">Labels, each 0..9.</param>
    /// <returns>A new array of labels.Length×10, row-major.</returns>
    public static float[] OneHot(ReadOnlySpan<byte> labels)
    {
        var targets = new float[labels.Length * ClassCount]; // (N, 10)
        for (int i = 0; i < labels.Length; i++)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(labels[i], (byte)ClassCount, nameof(labels));
            targets[i * ClassCount + labels[i]] = 1f;
        }
        return targets;
    }

    /// <summary>Number of images of each class 0..9.</summary>
    /// <returns>A new array of 10 counts.</returns>
    public int[] ClassCounts()
    {
        var counts = new int[ClassCount];
        foreach (byte label in Labels) counts[label]++;
        return counts;
    }

    /// <summary>The images at the given indices, in that order, as a new data set (copied).</summary>
    /// <param name="indices">Image indices, each 0..Count−1; repeats allowed.</param>
    /// <returns>The subset, with the same normalisation.</returns>
    public MnistDataset Subset(ReadOnlySpan<int> indices)
    {
        var pixels = new byte[indices.Length * PixelCount];
        var labels = new byte[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            ArgumentOutOfRangeException.ThrowIfNegative(i, nameof(indices));
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(i, Count, nameof(indices));
            _pixels.AsSpan(i * PixelCount, PixelCount).CopyTo(pixels.AsSpan(k * PixelCount));
            labels[k] = Labels[i];
        }
        return new MnistDataset(pixels, labels, Normalization, $"{Source} (subset of {indices.Length})");
    }

    private static string Find(string directory, string name)
    {
        string plain = Path.Combine(directory, name);
        if (File.Exists(plain)) return plain;
        string gz = plain + ".gz";
        if (File.Exists(gz)) return gz;
        return Throw.BadInput<string>($"{directory}: neither {name} nor {name}.gz found, expected MNIST IDX files there");
    }

    private static void CheckLabels(byte[] labels, string where)
    {
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] >= ClassCount)
                Throw.BadInput($"{where}: label {labels[i]} at index {i}, expected 0..{ClassCount - 1}");
    }

    private static float[] Normalize(byte[] pixels, MnistNormalization normalization)
    {
        Span<float> table = stackalloc float[256];
        for (int b = 0; b < 256; b++) table[b] = NormalizePixel((byte)b, normalization);
        var images = new float[pixels.Length]; // (N, 784)
        for (int i = 0; i < pixels.Length; i++) images[i] = table[pixels[i]];
        return images;
    }
}

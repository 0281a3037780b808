using System.Security.Cryptography;
using RepAlign.Core;
using RepAlign.Core.Data;
using Xunit;

namespace RepAlign.Tests.Data;

public sealed class MnistDatasetTests : IDisposable
{
    private readonly ScratchFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Shipped => TestPaths.Repo("data", "mnist-10k");

    // Synthetic set of n images whose first pixel is the image index, so images can be traced through subsets.
    private static (byte[] Pixels, byte[] Labels) Synthetic(int n, int seed)
    {
        byte[] pixels = IdxBytes.Random(n * MnistDataset.PixelCount, seed);
        var labels = new byte[n];
        for (int i = 0; i < n; i++)
        {
            pixels[i * MnistDataset.PixelCount] = (byte)i;
            labels[i] = (byte)(i % 10);
        }
        return (pixels, labels);
    }

    private void WriteSplit(string prefix, byte[] pixels, byte[] labels, bool gzip, int side = 28)
    {
        string suffix = gzip ? ".gz" : "";
        Idx.Write(_temp.File($"{prefix}-images-idx3-ubyte{suffix}"), new IdxArray([labels.Length, side, side], pixels), gzip);
        Idx.Write(_temp.File($"{prefix}-labels-idx1-ubyte{suffix}"), new IdxArray([labels.Length], labels), gzip);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Load_finds_plain_or_gzip_files_and_keeps_pixels_and_labels(bool gzip)
    {
        var (pixels, labels) = Synthetic(20, 1);
        WriteSplit("train", pixels, labels, gzip);

        var data = MnistDataset.Load(_temp.Path, normalization: MnistNormalization.None);

        Assert.Equal(20, data.Count);
        Assert.Equal(pixels, data.Pixels.ToArray());
        Assert.Equal(labels, data.Labels);
        Assert.Equal(20 * 784, data.Images.Length);
        Assert.EndsWith("train-images-idx3-ubyte" + (gzip ? ".gz" : ""), data.Source);
    }

    [Fact]
    public void Load_of_the_test_split_reads_t10k_files()
    {
        var (train, trainLabels) = Synthetic(10, 2);
        var (test, testLabels) = Synthetic(5, 3);
        WriteSplit("train", train, trainLabels, gzip: true);
        WriteSplit("t10k", test, testLabels, gzip: false);

        var data = MnistDataset.Load(_temp.Path, MnistSplit.Test);

        Assert.Equal(5, data.Count);
        Assert.Equal(test, data.Pixels.ToArray());
    }

    [Theory]
    [InlineData(MnistNormalization.None)]
    [InlineData(MnistNormalization.Mnist)]
    public void Images_are_normalised_pixels_in_row_major_order(MnistNormalization normalization)
    {
        var (pixels, labels) = Synthetic(3, 4);
        pixels[1 * 784 + 5 * 28 + 7] = 255; // image 1, row 5, column 7
        pixels[2 * 784 + 27 * 28 + 27] = 0;

        var data = MnistDataset.FromPixels(pixels, labels, normalization);

        for (int i = 0; i < pixels.Length; i++)
        {
            double v = pixels[i] / 255.0;
            double expected = normalization == MnistNormalization.Mnist ? (v - 0.1307) / 0.3081 : v;
            Assert.Equal((float)expected, data.Images[i]); // computed in double, rounded once
        }
        Assert.Equal((float)(normalization == MnistNormalization.Mnist ? (1 - 0.1307) / 0.3081 : 1.0), data.Image(1)[5 * 28 + 7]);
        Assert.Equal((float)(normalization == MnistNormalization.Mnist ? -0.1307 / 0.3081 : 0.0), data.Image(2)[27 * 28 + 27]);
    }

    [Fact]
    public void WithNormalization_changes_only_the_float_images()
    {
        var (pixels, labels) = Synthetic(4, 5);
        var none = MnistDataset.FromPixels(pixels, labels, MnistNormalization.None);

        var mnist = none.WithNormalization(MnistNormalization.Mnist);

        Assert.Same(none, none.WithNormalization(MnistNormalization.None));
        Assert.Equal(MnistNormalization.Mnist, mnist.Normalization);
        Assert.Equal(none.Labels, mnist.Labels);
        for (int i = 0; i < pixels.Length; i++)
            Assert.Equal((none.Images[i] - 0.1307) / 0.3081, mnist.Images[i], tolerance: 1e-6);
    }

    [Fact]
    public void One_hot_targets_have_a_single_one_at_the_label()
    {
        var (pixels, labels) = Synthetic(23, 6);
        var data = MnistDataset.FromPixels(pixels, labels);

        float[] targets = data.OneHotTargets();

        Assert.Equal(23 * 10, targets.Length);
        for (int i = 0; i < 23; i++)
            for (int c = 0; c < 10; c++)
                Assert.Equal(c == labels[i] ? 1f : 0f, targets[i * 10 + c]);
    }

    [Fact]
    public void Image_and_label_count_mismatch_names_the_labels_file()
    {
        var (pixels, labels) = Synthetic(6, 8);
        WriteSplit("train", pixels, labels, gzip: true);
        string labelsPath = _temp.File("train-labels-idx1-ubyte.gz");
        Idx.Write(labelsPath, new IdxArray([5], labels[..5]), gzip: true);

        var e = Assert.Throws<BadInputException>(() => MnistDataset.Load(_temp.Path));

        Assert.StartsWith(labelsPath + ": 5 labels, expected 6", e.Message);
    }

    [Fact]
    public void Images_that_are_not_28_by_28_name_the_images_file()
    {
        WriteSplit("train", IdxBytes.Random(4 * 32 * 32, 9), [1, 2, 3, 4], gzip: false, side: 32);
        string imagesPath = _temp.File("train-images-idx3-ubyte");

        var e = Assert.Throws<BadInputException>(() => MnistDataset.Load(_temp.Path));

        Assert.Equal($"{imagesPath}: images of 32×32 pixels, expected 28×28 (MNIST)", e.Message);
    }

    [Fact]
    public void Label_outside_0_to_9_names_the_labels_file()
    {
        var (pixels, labels) = Synthetic(5, 10);
        labels[3] = 10;
        WriteSplit("train", pixels, labels, gzip: false);
        string labelsPath = _temp.File("train-labels-idx1-ubyte");

        var e = Assert.Throws<BadInputException>(() => MnistDataset.Load(_temp.Path));

        Assert.Equal($"{labelsPath}: label 10 at index 3, expected 0..9", e.Message);
    }

    [Fact]
    public void Labels_file_with_an_images_magic_number_names_the_labels_file()
    {
        var (pixels, labels) = Synthetic(5, 11);
        WriteSplit("train", pixels, labels, gzip: true);
        string labelsPath = _temp.File("train-labels-idx1-ubyte.gz");
        Idx.Write(labelsPath, new IdxArray([5, 28, 28], pixels), gzip: true);

        var e = Assert.Throws<BadInputException>(() => MnistDataset.Load(_temp.Path));

        Assert.Equal($"{labelsPath}: magic number 0x00000803, expected 0x00000801 (IDX labels)", e.Message);
    }

    [Fact]
    public void Missing_folder_or_files_name_the_folder()
    {
        string absent = _temp.File("absent");
        var noFolder = Assert.Throws<BadInputException>(() => MnistDataset.Load(absent));
        var noFiles = Assert.Throws<BadInputException>(() => MnistDataset.Load(_temp.Path, MnistSplit.Test));

        Assert.StartsWith(absent + ": folder not found", noFolder.Message);
        Assert.StartsWith(_temp.Path + ": neither t10k-images-idx3-ubyte nor t10k-images-idx3-ubyte.gz found", noFiles.Message);
    }

    [Fact]
    public void Shipped_files_match_the_checksums_in_their_readme()
    {
        string readme = File.ReadAllText(Path.Combine(Shipped, "README.md"));
        foreach (string name in new[] { "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz" })
        {
            string sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(Shipped, name))));
            Assert.Contains($"{sha}  {name}", readme);
        }
    }

    [Fact]
    public void Shipped_10k_set_loads_with_its_known_class_counts()
    {
        var data = MnistDataset.Load(Shipped);

        Assert.Equal(10_000, data.Count);
        Assert.Equal(10_000 * 784, data.Images.Length);
        Assert.Equal(new[] { 1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978 }, data.ClassCounts());
        // Interleaved round-robin: the first 8,630 images hold exactly 863 of each class.
        var prefix = data.Subset(Enumerable.Range(0, 8630).ToArray());
        Assert.All(prefix.ClassCounts(), count => Assert.Equal(863, count));
        Assert.Equal(Enumerable.Range(0, 10).Select(c => (byte)c), data.Labels[..10]);
    }

    [Fact]
    public void Shipped_10k_set_has_MNIST_pixel_statistics()
    {
        var raw = MnistDataset.Load(Shipped, normalization: MnistNormalization.None);
        var normalised = raw.WithNormalization(MnistNormalization.Mnist);
        ReadOnlySpan<byte> pixels = raw.Pixels.Span;

        double sum = 0, sumSq = 0;
        int min = 255, max = 0;
        foreach (byte p in pixels)
        {
            sum += p / 255.0;
            sumSq += p / 255.0 * (p / 255.0);
            min = Math.Min(min, p);
            max = Math.Max(max, p);
        }
        double mean = sum / pixels.Length, std = Math.Sqrt(sumSq / pixels.Length - mean * mean);
        double nMean = normalised.Images.Average(v => (double)v);
        double nStd = Math.Sqrt(normalised.Images.Average(v => (double)v * v) - nMean * nMean);

        Assert.Equal((0, 255), (min, max));
        Assert.InRange(mean, 0.1307 - 0.01, 0.1307 + 0.01);
        Assert.InRange(std, 0.3081 - 0.01, 0.3081 + 0.01);
        Assert.Equal(0f, raw.Images.Min());
        Assert.Equal(1f, raw.Images.Max());
        Assert.InRange(nMean, -0.03, 0.03);
        Assert.InRange(nStd, 0.97, 1.03);
        Assert.Equal((float)(-0.1307 / 0.3081), normalised.Images.Min());
        Assert.Equal((float)((1 - 0.1307) / 0.3081), normalised.Images.Max());
    }
}

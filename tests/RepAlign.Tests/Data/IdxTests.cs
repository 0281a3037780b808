using System.Buffers.Binary;
using System.IO.Compression;
using RepAlign.Core;
using RepAlign.Core.Data;
using Xunit;

namespace RepAlign.Tests.Data;

/// <summary>A fresh folder under the system temporary folder, deleted on dispose.</summary>
/// <summary>Raw IDX bytes for writing deliberately broken files.</summary>
internal static class IdxBytes
{
    public static byte[] Header(uint magic, params int[] dims)
    {
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, magic);
        for (int k = 0; k < dims.Length; k++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * k), dims[k]);
        return header;
    }

    public static byte[] File(uint magic, int[] dims, byte[] data) => [.. Header(magic, dims), .. data];

    public static byte[] Gzip(byte[] raw)
    {
        using var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(raw);
        return output.ToArray();
    }

    public static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

public sealed class IdxTests : IDisposable
{
    private readonly ScratchFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static BadInputException ThrowsBadInput(Action read, string path)
    {
        var e = Assert.Throws<BadInputException>(read);
        Assert.StartsWith(path + ": ", e.Message);
        return e;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Images_and_labels_round_trip(bool gzip)
    {
        var images = new IdxArray([5, 28, 28], IdxBytes.Random(5 * 28 * 28, 1));
        var labels = new IdxArray([5], [3, 0, 9, 9, 1]);
        string imagesPath = _temp.File("images"), labelsPath = _temp.File("labels");

        Idx.Write(imagesPath, images, gzip);
        Idx.Write(labelsPath, labels, gzip);
        IdxArray imagesBack = Idx.ReadImages(imagesPath), labelsBack = Idx.ReadLabels(labelsPath);

        Assert.Equal(gzip, Idx.IsGzip(imagesPath));
        Assert.Equal(images.Dimensions, imagesBack.Dimensions);
        Assert.Equal(images.Data, imagesBack.Data);
        Assert.Equal(labels.Dimensions, labelsBack.Dimensions);
        Assert.Equal(labels.Data, labelsBack.Data);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Plain_file_starts_with_the_big_endian_header(bool gzip)
    {
        string path = _temp.File("labels");
        Idx.Write(path, new IdxArray([3], [7, 8, 9]), gzip);

        byte[] raw = System.IO.File.ReadAllBytes(path);
        if (gzip) raw = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress).ReadAllBytes();

        Assert.Equal(new byte[] { 0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9 }, raw);
    }

    [Fact]
    public void Compression_is_detected_from_content_not_file_name()
    {
        byte[] raw = IdxBytes.File(Idx.LabelsMagic, [2], [4, 5]);
        string gzipWithoutSuffix = _temp.File("labels"), plainWithGzSuffix = _temp.File("labels2.gz");
        System.IO.File.WriteAllBytes(gzipWithoutSuffix, IdxBytes.Gzip(raw));
        System.IO.File.WriteAllBytes(plainWithGzSuffix, raw);

        Assert.Equal(new byte[] { 4, 5 }, Idx.ReadLabels(gzipWithoutSuffix).Data);
        Assert.Equal(new byte[] { 4, 5 }, Idx.ReadLabels(plainWithGzSuffix).Data);
    }

    [Fact]
    public void Read_accepts_any_rank_of_unsigned_bytes()
    {
        string path = _temp.File("cube.gz");
        Idx.Write(path, new IdxArray([2, 3, 4, 5], IdxBytes.Random(120, 2)), gzip: true);

        Assert.Equal(new[] { 2, 3, 4, 5 }, Idx.Read(path).Dimensions);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Wrong_magic_number_names_file_found_and_expected(bool gzip)
    {
        string path = _temp.File("train-images-idx3-ubyte" + (gzip ? ".gz" : ""));
        Idx.Write(path, new IdxArray([4], [1, 2, 3, 4]), gzip);

        var e = ThrowsBadInput(() => Idx.ReadImages(path), path);

        Assert.Equal($"{path}: magic number 0x00000801, expected 0x00000803 (IDX images)", e.Message);
    }

    [Fact]
    public void Non_byte_element_type_is_a_wrong_magic_number()
    {
        string path = _temp.File("floats");
        System.IO.File.WriteAllBytes(path, IdxBytes.File(0x00000D01, [1], [0, 0, 0, 0]));

        var e = ThrowsBadInput(() => Idx.ReadLabels(path), path);

        Assert.Contains("magic number 0x00000d01, expected 0x00000801", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Truncated_data_names_file_and_byte_counts(bool gzip)
    {
        byte[] raw = IdxBytes.File(Idx.ImagesMagic, [3, 28, 28], IdxBytes.Random(3 * 784 - 100, 3));
        string path = _temp.File("images");
        System.IO.File.WriteAllBytes(path, gzip ? IdxBytes.Gzip(raw) : raw);

        var e = ThrowsBadInput(() => Idx.ReadImages(path), path);

        Assert.Contains("truncated", e.Message);
        Assert.Contains($"{3 * 784 - 100} data bytes", e.Message);
        Assert.Contains($"expected {3 * 784} (3×28×28)", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(13)]
    public void Truncated_header_names_file(int length)
    {
        byte[] raw = IdxBytes.Header(Idx.ImagesMagic, 3, 28, 28)[..length];
        string path = _temp.File("images");
        System.IO.File.WriteAllBytes(path, raw);

        var e = ThrowsBadInput(() => Idx.ReadImages(path), path);

        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Truncated_gzip_stream_names_file()
    {
        byte[] gz = IdxBytes.Gzip(IdxBytes.File(Idx.ImagesMagic, [2, 28, 28], IdxBytes.Random(2 * 784, 4)));
        string path = _temp.File("images.gz");
        System.IO.File.WriteAllBytes(path, gz[..(gz.Length / 2)]);

        ThrowsBadInput(() => Idx.ReadImages(path), path);
    }

    [Fact]
    public void Data_past_the_declared_size_names_file()
    {
        string path = _temp.File("labels");
        System.IO.File.WriteAllBytes(path, IdxBytes.File(Idx.LabelsMagic, [2], [1, 2, 3]));

        var e = ThrowsBadInput(() => Idx.ReadLabels(path), path);

        Assert.Contains("past the 2 bytes", e.Message);
    }

    [Fact]
    public void Broken_gzip_stream_names_file()
    {
        string path = _temp.File("labels.gz");
        System.IO.File.WriteAllBytes(path, [0x1f, 0x8b, .. IdxBytes.Random(200, 5)]);

        ThrowsBadInput(() => Idx.ReadLabels(path), path);
    }

    [Fact]
    public void Missing_file_names_file()
    {
        string path = _temp.File("absent");

        var e = ThrowsBadInput(() => Idx.ReadLabels(path), path);

        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void Huge_declared_size_is_refused_without_allocating_it()
    {
        string path = _temp.File("images");
        System.IO.File.WriteAllBytes(path, IdxBytes.File(Idx.ImagesMagic, [int.MaxValue, 28, 28], [1, 2, 3]));

        ThrowsBadInput(() => Idx.ReadImages(path), path);
    }

    [Fact]
    public void Corrupted_files_fail_only_with_BadInputException()
    {
        // Seeded fuzz: cut and flip bytes of valid plain and gzip files; each read either succeeds
        // with consistent dimensions or reports bad input naming the file, never anything else.
        byte[] raw = IdxBytes.File(Idx.ImagesMagic, [2, 28, 28], IdxBytes.Random(2 * 784, 6));
        byte[][] originals = [raw, IdxBytes.Gzip(raw)];
        var random = new Random(7);
        string path = _temp.File("fuzz");
        for (int trial = 0; trial < 400; trial++)
        {
            byte[] bytes = originals[trial % 2].ToArray();
            if (random.Next(2) == 0) bytes = bytes[..random.Next(bytes.Length)];
            for (int flips = random.Next(4); flips > 0 && bytes.Length > 0; flips--)
                bytes[random.Next(Math.Min(bytes.Length, 40))] ^= (byte)(1 << random.Next(8));
            System.IO.File.WriteAllBytes(path, bytes);

            try
            {
                IdxArray read = Idx.ReadImages(path);
                Assert.Equal((long)read.Dimensions[0] * read.Dimensions[1] * read.Dimensions[2], read.Data.LongLength);
            }
            catch (BadInputException e)
            {
                Assert.StartsWith(path + ": ", e.Message);
            }
        }
    }
}

internal static class StreamExtensions
{
    public static byte[] ReadAllBytes(this Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

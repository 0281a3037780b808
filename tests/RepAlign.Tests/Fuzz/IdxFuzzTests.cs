using System.Buffers.Binary;
using System.IO.Compression;
using CsCheck;
using RepAlign.Core.Data;

namespace RepAlign.Tests.Fuzz;

/// <summary>Generated IDX image and label files (truncated, wrong magic, wrong counts, huge dimensions, gzip or plain): a data set or bad input naming the file.</summary>
public class IdxFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>An IDX file: a header with a magic number and dimensions, then a data part that may be short, long or random.</summary>
    private static Gen<byte[]> IdxFile(uint magic, int rank) =>
        Gen.Select(
            Gen.Frequency((8, Gen.Const(magic)), (1, Gen.OneOfConst(0x00000803u, 0x00000801u, 0x00000802u, 0x00000903u, 0u, 0xFFFFFFFFu))),
            Gen.Frequency((6, Gen.Int[0, 12]), (1, Gen.OneOfConst(28, 0, -1, 1 << 20, int.MaxValue))).Array[rank, rank],
            Gen.Frequency((6, Gen.Const(0)), (1, Gen.Int[-40, 40]), (1, Gen.Const(int.MinValue))),
            Gen.Int[0, 9],
            (m, dims, delta, fill) =>
            {
                if (m == 0x00000803u && dims.Length == 3 && dims[0] >= 0 && dims[0] <= 12) { dims[1] = 28; dims[2] = 28; } // often a real 28×28 image file
                long count = 1;
                foreach (var d in dims) count = Math.Min(count * Math.Max(d, 0), 1 << 16);
                var header = new byte[4 + 4 * dims.Length];
                BinaryPrimitives.WriteUInt32BigEndian(header, m);
                for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * i), dims[i]);
                var dataLength = delta == int.MinValue ? 0 : (int)Math.Clamp(count + delta, 0, 1 << 16);
                var data = new byte[dataLength];
                for (var i = 0; i < data.Length; i++) data[i] = (byte)((i * 7 + fill) % 11); // labels 0..10: 10 is out of range
                return header.Concat(data).ToArray();
            });

    /// <summary>A file as written to disk: the IDX bytes, cut short, random bytes, or any of them gzip-compressed.</summary>
    private static Gen<byte[]> OnDisk(Gen<byte[]> idx) =>
        Gen.Frequency(
            (6, idx),
            (2, Gen.Select(idx, Gen.Double[0, 1], (b, cut) => b[..(int)(b.Length * cut)])),
            (1, Gen.Byte.Array[0, 64]),
            (2, idx.Select(Gzip)),
            (1, Gen.Select(idx.Select(Gzip), Gen.Double[0, 1], (b, cut) => b[..(int)(b.Length * cut)])));

    private static byte[] Gzip(byte[] bytes)
    {
        using var memory = new MemoryStream();
        using (var gz = new GZipStream(memory, CompressionLevel.Fastest)) gz.Write(bytes);
        return memory.ToArray();
    }

    [Fact]
    public void ImageAndLabelFilesLoadOrAreBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        long n = 0;
        var consistent = Gen.Select(Gen.Int[1, 12], Gen.Bool, (count, gz) =>
        {
            byte[] Header(uint magic, params int[] dims)
            {
                var h = new byte[4 + 4 * dims.Length];
                BinaryPrimitives.WriteUInt32BigEndian(h, magic);
                for (var i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(4 + 4 * i), dims[i]);
                return h;
            }
            var images = Header(0x00000803u, count, 28, 28).Concat(new byte[count * 784]).ToArray();
            var labels = Header(0x00000801u, count).Concat(Enumerable.Range(0, count).Select(i => (byte)(i % 10))).ToArray();
            return gz ? (Gzip(images), Gzip(labels)) : (images, labels);
        });
        var any = Gen.Select(OnDisk(IdxFile(0x00000803u, 3)), OnDisk(IdxFile(0x00000801u, 1)));
        FuzzCheck.Run("MNIST IDX pair", Gen.Frequency((1, consistent), (4, any)), cases =>
        {
            var (images, labels) = cases;
            var k = Interlocked.Increment(ref n);
            var imagesPath = scratch.File($"images-{k}");
            var labelsPath = scratch.File($"labels-{k}");
            File.WriteAllBytes(imagesPath, images);
            File.WriteAllBytes(labelsPath, labels);
            tally.Add(FuzzCheck.ExitCode(() => MnistDataset.FromFiles(imagesPath, labelsPath), imagesPath, labelsPath));
            File.Delete(imagesPath);
            File.Delete(labelsPath);
        }, output.WriteLine);
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, 100, 200));
    }

    [Fact]
    public void SingleIdxFilesReadOrAreBadInputNamingTheFile()
    {
        using var scratch = new ScratchFolder();
        var tally = new FuzzCheck.Tally();
        long n = 0;
        FuzzCheck.Run("IDX file", OnDisk(Gen.OneOf(IdxFile(0x00000803u, 3), IdxFile(0x00000801u, 1), IdxFile(0x00000802u, 2))), bytes =>
        {
            var path = scratch.File($"file-{Interlocked.Increment(ref n)}.idx");
            File.WriteAllBytes(path, bytes);
            tally.Add(FuzzCheck.ExitCode(() => Idx.Read(path), path));
            File.Delete(path);
        }, output.WriteLine);
        output.WriteLine(tally.AssertSeen(FuzzCheck.Cases, 100, 100));
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using RepAlign.Core.Runs;

namespace RepAlign.Core.Data;

/// <summary>An IDX array of unsigned bytes: its dimensions and its elements in row-major order.</summary>
/// <param name="Dimensions">Size of each dimension, outermost first (images: count, rows, columns).</param>
/// <param name="Data">Elements in row-major order; its length is the product of <paramref name="Dimensions"/>.</param>
public sealed record IdxArray(IReadOnlyList<int> Dimensions, byte[] Data)
{
    /// <summary>Number of dimensions (1 for labels, 3 for images).</summary>
    public int Rank => Dimensions.Count;
}

/// <summary>
/// Reads and writes IDX files of unsigned bytes (the format of the MNIST database), plain or
/// gzip-compressed. Compression is detected from the gzip magic bytes 1f 8b, never from the
/// file name. Every defect of a file (magic number, truncation, trailing data, broken gzip
/// stream) is a <see cref="BadInputException"/> whose message names the file.
/// </summary>
/// <remarks>
/// Layout: a big-endian 32-bit magic number 0x0000TTRR (TT = element type, 0x08 for unsigned
/// bytes; RR = rank), then RR big-endian 32-bit dimension sizes, then the elements in
/// row-major order, and nothing after them.
/// </remarks>
public static class Idx
{
    /// <summary>Element type code of unsigned bytes, the third byte of the magic number.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Magic number of an IDX file of unsigned-byte images (rank 3: count, rows, columns).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels (rank 1: count).</summary>
    public const uint LabelsMagic = 0x00000801;

    private const int ReadChunk = 1 << 24; // grow the buffer in steps, so a lying header cannot force a huge allocation

    /// <summary>Reads an IDX file of unsigned-byte images (magic 0x00000803, dimensions count × rows × columns).</summary>
    /// <param name="path">The file, plain or gzip-compressed.</param>
    /// <returns>The array, of rank 3.</returns>
    /// <exception cref="BadInputException">The file is missing, is not such an IDX file, or is truncated or too long.</exception>
    public static IdxArray ReadImages(string path) => Read(path, 3, "IDX images");

    /// <summary>Reads an IDX file of unsigned-byte labels (magic 0x00000801, dimension count).</summary>
    /// <param name="path">The file, plain or gzip-compressed.</param>
    /// <returns>The array, of rank 1.</returns>
    /// <exception cref="BadInputException">The file is missing, is not such an IDX file, or is truncated or too long.</exception>
    public static IdxArray ReadLabels(string path) => Read(path, 1, "IDX labels");

    /// <summary>Reads an IDX file of unsigned bytes of any rank.</summary>
    /// <param name="path">The file, plain or gzip-compressed.</param>
    /// <returns>The array.</returns>
    /// <exception cref="BadInputException">The file is missing, is not an IDX file of unsigned bytes, or is truncated or too long.</exception>
    public static IdxArray Read(string path) => Read(path, null, "IDX byte-array");

    /// <summary>Writes an IDX file of unsigned bytes, replacing any existing file whole (written to a temporary name, then renamed).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="array">The array; its data length must equal the product of its dimensions.</param>
    /// <param name="gzip">Whether to gzip-compress the file.</param>
    /// <exception cref="ArgumentException">The array's rank is outside 1..255 or its data length does not match its dimensions.</exception>
    public static void Write(string path, IdxArray array, bool gzip)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (array.Rank is < 1 or > 255)
            Throw.Argument(nameof(array), $"IDX rank {array.Rank}, expected 1..255");
        long expected = 1;
        foreach (int d in array.Dimensions)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(d, nameof(array));
            expected *= d;
        }
        if (expected != array.Data.Length)
            Throw.Argument(nameof(array), $"IDX data of {array.Data.Length} bytes, expected {expected} ({Shape(array.Dimensions)})");

        var header = new byte[4 + 4 * array.Rank];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)((UnsignedByteType << 8) | array.Rank));
        for (int k = 0; k < array.Rank; k++)
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * k), array.Dimensions[k]);

        AtomicFile.Write(path, file =>
        {
            using Stream output = gzip ? new GZipStream(file, CompressionLevel.SmallestSize, leaveOpen: true) : file;
            output.Write(header);
            output.Write(array.Data);
        });
    }

    /// <summary>Whether the file starts with the gzip magic bytes 1f 8b.</summary>
    /// <param name="path">The file.</param>
    /// <returns>True for a gzip file.</returns>
    public static bool IsGzip(string path)
    {
        using var file = File.OpenRead(path);
        return StartsWithGzipMagic(file);
    }

    private static bool StartsWithGzipMagic(Stream file)
    {
        Span<byte> magic = stackalloc byte[2];
        int n = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Seek(0, SeekOrigin.Begin);
        return n == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    }

    private static IdxArray Read(string path, int? expectedRank, string what)
    {
        if (!File.Exists(path))
            Throw.BadInput($"{path}: file not found, expected an {what} file");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
            bool gzip = StartsWithGzipMagic(file);
            using Stream input = gzip ? new GZipStream(file, CompressionMode.Decompress) : file;
            return ReadArray(input, path, expectedRank, what);
        }
        catch (InvalidDataException e)
        {
            return Throw.BadInput<IdxArray>($"{path}: broken gzip stream ({e.Message}), expected a valid gzip-compressed {what} file", e);
        }
    }

    private static IdxArray ReadArray(Stream input, string path, int? expectedRank, string what)
    {
        Span<byte> word = stackalloc byte[4];
        int got = input.ReadAtLeast(word, 4, throwOnEndOfStream: false);
        if (got < 4)
            Throw.BadInput($"{path}: truncated, {got} bytes in all, expected at least 4 (the magic number of an {what} file)");

        uint magic = BinaryPrimitives.ReadUInt32BigEndian(word);
        int rank = (int)(magic & 0xff);
        bool typeOk = (magic & 0xffffff00) == (uint)UnsignedByteType << 8;
        if (!typeOk || rank == 0 || (expectedRank is int r && rank != r))
        {
            string expected = expectedRank is int er ? $"0x{(UnsignedByteType << 8) | er:x8}" : "0x000008RR with rank RR ≥ 1";
            Throw.BadInput($"{path}: magic number 0x{magic:x8}, expected {expected} ({what})");
        }

        var dims = new int[rank];
        long count = 1;
        for (int k = 0; k < rank; k++)
        {
            got = input.ReadAtLeast(word, 4, throwOnEndOfStream: false);
            if (got < 4)
                Throw.BadInput($"{path}: truncated inside the header, {k} of {rank} dimension sizes present, expected all {rank}");
            uint d = BinaryPrimitives.ReadUInt32BigEndian(word);
            if (d > int.MaxValue)
                Throw.BadInput($"{path}: dimension {k} has size {d}, expected at most {int.MaxValue}");
            dims[k] = (int)d;
            count *= d;
            if (count > Array.MaxLength)
                Throw.BadInput($"{path}: header declares more than {Array.MaxLength} elements ({Shape(dims.Take(k + 1))}…), expected an array that fits in memory");
        }

        long headerBytes = 4 + 4L * rank;
        byte[] data = ReadPayload(input, (int)count, out int read);
        if (read < count)
            Throw.BadInput($"{path}: truncated, {read} data bytes after the {headerBytes}-byte header, expected {count} ({Shape(dims)})");
        if (input.ReadByte() >= 0)
            Throw.BadInput($"{path}: data continues past the {count} bytes the header declares ({Shape(dims)}), expected the file to end there");
        return new IdxArray(dims, data);
    }

    private static byte[] ReadPayload(Stream input, int count, out int read)
    {
        var data = new byte[Math.Min(count, ReadChunk)];
        read = 0;
        while (read < count)
        {
            if (read == data.Length)
                Array.Resize(ref data, (int)Math.Min((long)data.Length * 2, count));
            int n = input.Read(data, read, data.Length - read);
            if (n == 0) break;
            read += n;
        }
        return data;
    }

    private static string Shape(IEnumerable<int> dims) => string.Join("×", dims);
}

using System.Buffers.Binary;
using System.Reflection;
using System.Runtime.ExceptionServices;
using Parquet;

namespace RepAlign.Core.Tables;

/// <summary>
/// Checks a Parquet file's frame and footer before the Parquet library opens it, so that a damaged file is bad input
/// (exit 2) naming the file instead of a reader that never returns.
/// </summary>
/// <remarks>
/// Parquet.Net 6.1 reads the footer's Thrift structure from memory and takes the end of that memory for a byte 0xFF:
/// a variable-length integer or field that runs past the footer's end (one flipped bit in its last byte is enough)
/// spins forever (docs/design.md, *Output and errors*). The check parses the footer once with the library's own Thrift
/// reader over a stream that throws at its end instead, so that it reads exactly what the library will read, no more,
/// and it reaches the library's reader only when that parse ended inside the footer. The data pages are not read here:
/// damaged pages end in an error of the library, which <see cref="ParquetGroups.Readable{TResult}"/> reports.
/// </remarks>
public static class ParquetFooter
{
    private static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>Bytes of the frame: "PAR1" at the start, the footer's length and "PAR1" at the end.</summary>
    private const int Frame = 12;

    /// <summary>Parquet.Net's reader of the footer's Thrift structure, bound once (types and methods, no state).</summary>
    private static readonly Func<Stream, object> ReadFileMetaData = Bind();

    /// <summary>
    /// Checks <paramref name="stream"/> (the whole file, seekable) and leaves it at its start: the magic at both ends,
    /// a footer length that fits, and a footer the library's Thrift reader parses without running past its end.
    /// </summary>
    /// <param name="stream">The file.</param>
    /// <param name="path">The file's name for the error message.</param>
    /// <exception cref="BadInputException">The file is not a Parquet file or its footer is damaged.</exception>
    public static void Check(Stream stream, string path)
    {
        var length = stream.Length;
        if (length < Frame)
            Throw.BadInput($"{path}: {length} bytes, too short for a Parquet file (expected at least {Frame}: 'PAR1', the footer, its length and 'PAR1')");
        Span<byte> head = stackalloc byte[4], tail = stackalloc byte[8];
        stream.Position = 0;
        stream.ReadExactly(head);
        if (!head.SequenceEqual(Magic)) Throw.BadInput($"{path}: does not start with 'PAR1'; expected a Parquet file");
        stream.Position = length - tail.Length;
        stream.ReadExactly(tail);
        if (!tail[4..].SequenceEqual(Magic))
            Throw.BadInput($"{path}: does not end with 'PAR1' (found '{Printable(tail[4..])}'); the file is truncated, encrypted or not Parquet");
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - Frame)
            Throw.BadInput($"{path}: footer length {footerLength} does not fit in the file's {length} bytes (expected 1 to {length - Frame}); the file is damaged or truncated");
        var footer = new byte[footerLength];
        stream.Position = length - tail.Length - footerLength;
        stream.ReadExactly(footer);
        stream.Position = 0;
        try
        {
            ReadFileMetaData(new BoundedFooter(footer));
        }
        catch (Exception e)
        {
            Throw.BadInput($"{path}: damaged footer ({e.GetType().Name}: {e.Message.Split('\n')[0].Trim()})");
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes) =>
        string.Concat(bytes.ToArray().Select(b => b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}"));

    /// <summary><c>Parquet.Meta.FileMetaData.Read(new ThriftCompactProtocolReader(stream))</c>, found by reflection: both are internal to Parquet.Net.</summary>
    private static Func<Stream, object> Bind()
    {
        const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic;
        var library = typeof(ParquetReader).Assembly;
        var protocol = library.GetType("Parquet.Meta.Proto.ThriftCompactProtocolReader");
        var constructor = protocol?.GetConstructor(BindingFlags.Instance | Any, [typeof(Stream)]);
        var read = protocol is null ? null : library.GetType("Parquet.Meta.FileMetaData")?.GetMethod("Read", BindingFlags.Static | Any, [protocol]);
        if (constructor is null || read is null)
            throw new InvalidOperationException($"{library.GetName()}: no FileMetaData.Read(ThriftCompactProtocolReader); the footer check must be updated with the Parquet.Net package");
        return stream =>
        {
            try
            {
                return read.Invoke(null, [constructor.Invoke([stream])])!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Throw(e.InnerException);
                throw;
            }
        };
    }

    /// <summary>The footer's bytes as a read-only stream that throws where <see cref="MemoryStream"/> would return −1 or 0.</summary>
    private sealed class BoundedFooter(byte[] bytes) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;

        public override long Position
        {
            get => _position;
            set => _position = value is >= 0 && value <= bytes.Length ? value : throw PastEnd(value);
        }

        public override int ReadByte() => _position < bytes.Length ? bytes[_position++] : throw PastEnd(_position + 1);

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length == 0) return 0;
            if (_position + buffer.Length > bytes.Length) throw PastEnd(_position + buffer.Length);
            bytes.AsSpan((int)_position, buffer.Length).CopyTo(buffer);
            _position += buffer.Length;
            return buffer.Length;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => bytes.Length + offset,
        };

        private EndOfStreamException PastEnd(long at) =>
            new($"the footer's Thrift structure runs past its {bytes.Length} bytes (to byte {at})");

        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

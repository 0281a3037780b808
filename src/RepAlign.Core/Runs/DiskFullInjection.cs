namespace RepAlign.Core.Runs;

/// <summary>
/// A full disk on demand, for tests on machines where no small file system can be mounted: with
/// <c>REPALIGN_INJECT_NO_SPACE=TEXT</c> in the environment, the first file this process writes (through
/// <see cref="AtomicFile"/>) whose final path contains TEXT fails as a full disk does: half of the first write reaches
/// the temporary file, then an <see cref="IOException"/> "No space left on device" naming it. Later writes succeed, as
/// they do once a failed write's temporary file is deleted. Unset (the normal case), files are written untouched.
/// </summary>
internal static class DiskFullInjection
{
    private static readonly string? Target = Environment.GetEnvironmentVariable("REPALIGN_INJECT_NO_SPACE") is { Length: > 0 } t ? t : null;
    private static int fired;

    /// <summary><paramref name="stream"/> itself, or a stream that fails as a full disk when this is the targeted file.</summary>
    public static Stream Wrap(FileStream stream, string finalPath) =>
        Target is not null && finalPath.Contains(Target, StringComparison.Ordinal) && Interlocked.Exchange(ref fired, 1) == 0
            ? new FullDiskStream(stream)
            : stream;

    /// <summary>Passes everything to the file, except that its first write stops half-way with "No space left on device".</summary>
    private sealed class FullDiskStream(FileStream inner) : Stream
    {
        public override bool CanRead => inner.CanRead;
        public override bool CanSeek => inner.CanSeek;
        public override bool CanWrite => inner.CanWrite;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void SetLength(long value) => inner.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer[..(buffer.Length / 2)]);
            inner.Flush();
            throw new IOException($"No space left on device : '{inner.Name}' (injected by REPALIGN_INJECT_NO_SPACE)");
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}

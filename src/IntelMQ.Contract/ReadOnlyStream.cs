namespace IntelMQ.Contract;

/// <summary>
/// A forward-only stream that reads from <see cref="Inner"/> (and disposes it): a subclass only says how to read. For
/// the wrappers report bodies pass through (decompression, limits, decoding).
/// </summary>
public abstract class ReadOnlyStream(Stream? inner) : Stream
{
    protected Stream? Inner { get; } = inner;

    public abstract override int Read(Span<byte> buffer);

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) Inner?.Dispose();
        base.Dispose(disposing);
    }
}

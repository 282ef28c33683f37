namespace IntelMQ.Runtime.Channels;

/// <summary>
/// One message per line from a stream (standard input, a file, a named pipe). A stream cannot redeliver, so
/// acknowledging only moves the committed position, which <see cref="Committed"/> reports for resumable files.
/// </summary>
public class StreamInputChannel(Stream stream, string name) : IInputChannel
{
    readonly LineReader _lines = new(stream);
    long _line, _offset;

    public string Name { get; } = name;

    /// <summary>Byte offset just after the last acknowledged message.</summary>
    public long Committed { get; private set; }

    /// <summary>Skips the first bytes of the stream (a resumed file).</summary>
    public void Skip(long offset)
    {
        _offset = offset;
        Committed = offset;
    }

    public virtual ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
    {
        var batch = new List<Delivery>(Math.Min(maxCount, 256));
        while (batch.Count < maxCount && _lines.TryReadLine(out var line, out var consumed, partialAtEnd: !Follows))
        {
            _line++;
            _offset += consumed;
            if (line.Span.Trim(" \t"u8).IsEmpty) continue;
            batch.Add(new Delivery(line.ToArray(), $"line {_line}", _offset));
        }
        return ValueTask.FromResult<IReadOnlyList<Delivery>?>(batch.Count == 0 ? null : batch);
    }

    /// <summary>True for a file still being written: a last line without line end is not read yet.</summary>
    protected virtual bool Follows => false;

    public virtual ValueTask AckAsync(IReadOnlyList<Delivery> deliveries, CancellationToken cancellationToken)
    {
        if (deliveries.Count > 0 && deliveries[^1].Token is long offset) Committed = offset;
        return ValueTask.CompletedTask;
    }

    public virtual ValueTask DisposeAsync()
    {
        stream.Dispose();
        return ValueTask.CompletedTask;
    }
}

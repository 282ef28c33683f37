using Microsoft.Win32.SafeHandles;

namespace IntelMQ.Runtime.Channels;

/// <summary>
/// One message per line from a stream (standard input, a file, a named pipe). A stream cannot redeliver, so
/// acknowledging only moves the committed position, which <see cref="Committed"/> reports for resumable files.
/// A line longer than <c>max_message_size</c> comes as a delivery with <see cref="Delivery.Error"/> and its first 64 KB.
/// </summary>
/// <param name="pollable">The stream's descriptor when a read may block (a pipe, a terminal): waiting then honours the deadline and cancellation.</param>
public class StreamInputChannel(Stream stream, string name, long maxMessageSize = ChannelAddress.DefaultMaxMessageSize, SafeFileHandle? pollable = null) : IInputChannel
{
    readonly LineReader _lines = new(stream, maxMessageSize, pollable);
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

    public virtual async ValueTask<IReadOnlyList<Delivery>?> ReceiveAsync(int maxCount, TimeSpan wait, CancellationToken cancellationToken)
    {
        var batch = new List<Delivery>(Math.Min(maxCount, 256));
        var deadline = DateTime.UtcNow + wait;
        while (batch.Count < maxCount)
        {
            if (_lines.TryReadLine(out var line, out var consumed, out var tooLong, partialAtEnd: !Follows))
            {
                _line++;
                _offset += consumed;
                if (tooLong)
                    batch.Add(new Delivery(line.ToArray(), $"line {_line}", _offset,
                        new InvalidDataException($"the message is {consumed} bytes long, more than max_message_size={maxMessageSize}; its first {line.Length} bytes are kept")));
                else if (!line.Span.Trim(" \t"u8).IsEmpty) batch.Add(new Delivery(line.ToArray(), $"line {_line}", _offset));
                continue;
            }
            if (_lines.Ended || batch.Count > 0) break;
            if (!await _lines.WaitAsync(deadline - DateTime.UtcNow, cancellationToken)) return [];
        }
        return batch.Count == 0 ? null : batch;
    }

    /// <summary>True for a file still being written: a last line without line end is not read yet.</summary>
    public virtual bool Follows => false;

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

using System.Buffers;

namespace IntelMQ.Collectors.Listeners;

/// <summary>
/// Reads syslog messages from a TCP stream (RFC 6587): octet-counted ("LENGTH SP MESSAGE") when a frame begins with
/// a digit, else up to a newline. A message longer than the limit is cut there and the rest skipped.
/// </summary>
sealed class SyslogFrameReader(Stream stream, int maxMessageSize)
{
    // A length of more digits than this is not a syslog frame.
    const int MaxLengthDigits = 10;

    readonly byte[] _buffer = new byte[64 * 1024];
    int _start, _end;

    /// <returns>The next message, or null at the end of the stream.</returns>
    /// <exception cref="InvalidDataException">An octet count that is not one.</exception>
    public async ValueTask<ReadOnlyMemory<byte>?> ReadAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(1, cancellationToken)) return null;
        return _buffer[_start] is >= (byte)'1' and <= (byte)'9'
            ? await OctetCountedAsync(cancellationToken)
            : await NewlineTerminatedAsync(cancellationToken);
    }

    async ValueTask<ReadOnlyMemory<byte>?> OctetCountedAsync(CancellationToken cancellationToken)
    {
        long length = 0;
        for (var digits = 0; ; digits++)
        {
            if (!await FillAsync(1, cancellationToken)) return null;
            var b = _buffer[_start++];
            if (b == ' ') break;
            if (b is < (byte)'0' or > (byte)'9' || digits >= MaxLengthDigits)
                throw new InvalidDataException("an octet-counted frame's length is not a number followed by a space");
            length = length * 10 + (b - '0');
        }
        var message = new ArrayBufferWriter<byte>((int)Math.Min(length, maxMessageSize));
        for (var left = length; left > 0;)
        {
            if (!await FillAsync(1, cancellationToken)) break; // the sender closed in the middle: keep what came
            var n = (int)Math.Min(left, _end - _start);
            var keep = Math.Min(n, maxMessageSize - message.WrittenCount);
            if (keep > 0) message.Write(_buffer.AsSpan(_start, keep));
            _start += n;
            left -= n;
        }
        return message.WrittenMemory;
    }

    async ValueTask<ReadOnlyMemory<byte>?> NewlineTerminatedAsync(CancellationToken cancellationToken)
    {
        var message = new ArrayBufferWriter<byte>(256);
        while (true)
        {
            if (!await FillAsync(1, cancellationToken)) return message.WrittenCount > 0 ? message.WrittenMemory : null;
            var data = _buffer.AsSpan(_start, _end - _start);
            var newline = data.IndexOf((byte)'\n');
            var part = newline >= 0 ? data[..newline] : data;
            var keep = Math.Min(part.Length, maxMessageSize - message.WrittenCount);
            if (keep > 0) message.Write(part[..keep]);
            _start += newline >= 0 ? newline + 1 : part.Length;
            if (newline >= 0) return message.WrittenMemory;
        }
    }

    /// <returns>False when the stream ended before <paramref name="count"/> bytes were buffered.</returns>
    async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count) return true;
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            (_end, _start) = (_end - _start, 0);
        }
        while (_end - _start < count)
        {
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0) return false;
            _end += n;
        }
        return true;
    }
}

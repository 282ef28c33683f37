namespace IntelMQ.Runtime;

/// <summary>Reads a stream line by line as UTF-8 bytes, without decoding to strings; lines may be of any length.</summary>
public sealed class LineReader(Stream stream)
{
    byte[] _buffer = new byte[64 * 1024];
    int _start, _end;

    /// <summary>The next line without its line end (LF or CRLF), or false when the stream has no more for now.</summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line) => TryReadLine(out line, out _);

    /// <param name="consumed">Bytes the line took in the stream, line end included.</param>
    /// <param name="partialAtEnd">Return a last line that has no line end (false while a file is still being written).</param>
    public bool TryReadLine(out ReadOnlyMemory<byte> line, out int consumed, bool partialAtEnd = true)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (newline >= 0)
            {
                var length = newline - _start;
                consumed = length + 1;
                if (length > 0 && _buffer[newline - 1] == '\r') length--;
                line = _buffer.AsMemory(_start, length);
                _start = newline + 1;
                return true;
            }
            scanFrom = _end;
            if (Fill(ref scanFrom)) continue;
            consumed = _end - _start;
            if (!partialAtEnd || consumed == 0)
            {
                line = default;
                consumed = 0;
                return false;
            }
            line = _buffer.AsMemory(_start, consumed);
            _start = _end;
            return true;
        }
    }

    bool Fill(ref int scanFrom)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            scanFrom -= _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = stream.Read(_buffer, _end, _buffer.Length - _end);
        _end += read;
        return read > 0;
    }
}

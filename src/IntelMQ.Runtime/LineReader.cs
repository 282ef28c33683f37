namespace IntelMQ.Runtime;

/// <summary>Reads a stream line by line as UTF-8 bytes, without decoding to strings; lines may be of any length.</summary>
public sealed class LineReader(Stream stream)
{
    byte[] _buffer = new byte[64 * 1024];
    int _start, _end;
    bool _eof;

    /// <summary>The next line without its line end (LF or CRLF), or false at the end of the stream.</summary>
    public bool TryReadLine(out ReadOnlyMemory<byte> line)
    {
        var scanFrom = _start;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', scanFrom, _end - scanFrom);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r') length--;
                line = _buffer.AsMemory(_start, length);
                _start = newline + 1;
                return true;
            }
            if (_eof)
            {
                line = _buffer.AsMemory(_start, _end - _start);
                var any = _end > _start;
                _start = _end;
                return any;
            }
            scanFrom = _end;
            Fill(ref scanFrom);
        }
    }

    void Fill(ref int scanFrom)
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
        if (read == 0) _eof = true;
        _end += read;
    }
}

using System.Text;

namespace IntelMQ.Parsers.Dho;

/// <summary>
/// Reads physical lines with their line ends ("\n", "\r\n", "\r" or none at the end), bounded: a longer line is
/// returned cut at <c>maxLength</c> with <see cref="TooLong"/> set, and the rest of it skipped.
/// </summary>
public sealed class LineReader(TextReader reader, int maxLength)
{
    readonly StringBuilder _line = new();
    readonly char[] _buffer = new char[16 * 1024];
    int _position, _length;

    /// <summary>The 1-based number of the line last read.</summary>
    public int Number { get; private set; }

    /// <summary>The last line was longer than the limit; what was read is its start.</summary>
    public bool TooLong { get; private set; }

    /// <summary>The next line without its end, or null at the end of the text.</summary>
    public string? Read(out string ending)
    {
        _line.Clear();
        TooLong = false;
        ending = "";
        while (true)
        {
            if (_position == _length)
            {
                _length = reader.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_length == 0)
                {
                    if (_line.Length == 0 && !TooLong) return null;
                    Number++;
                    return _line.ToString();
                }
            }
            var span = _buffer.AsSpan(_position, _length - _position);
            var end = span.IndexOfAny('\n', '\r');
            var take = end < 0 ? span : span[..end];
            var room = maxLength - _line.Length;
            if (take.Length > room)
            {
                _line.Append(take[..Math.Max(room, 0)]);
                TooLong = true;
            }
            else _line.Append(take);
            if (end < 0)
            {
                _position = _length;
                continue;
            }
            _position += end + 1;
            if (span[end] == '\r')
            {
                if (_position == _length)
                {
                    _length = reader.Read(_buffer, 0, _buffer.Length);
                    _position = 0;
                }
                if (_position < _length && _buffer[_position] == '\n')
                {
                    _position++;
                    ending = "\r\n";
                }
                else ending = "\r";
            }
            else ending = "\n";
            Number++;
            return _line.ToString();
        }
    }
}

using System.Buffers;
using System.Text.Unicode;

namespace IntelMQ.Parsers.Shadowserver;

/// <summary>
/// Reads CSV records from UTF-8 bytes, one record at a time, keeping each record's bytes as they came so that a bad
/// one can be dumped byte for byte. A record that is too long, not valid UTF-8 or has an open quote at the end of
/// the input is reported through <see cref="Problem"/> and reading goes on at the next line: one bad row never
/// stops a report. Memory stays within <c>maxRowSize</c> plus a read buffer whatever the input.
/// </summary>
/// <example><code>
/// var csv = new Utf8CsvReader(File.OpenRead("scan_smb.csv"), maxCellSize: 1 &lt;&lt; 20, maxRowSize: 16 &lt;&lt; 20);
/// while (csv.Read())
///     if (csv.Problem is null) Console.WriteLine($"{csv.Line}: {csv.GetString(0)}");
/// </code></example>
public sealed class Utf8CsvReader
{
    /// <summary>How much of a record that is too long <see cref="Record"/> keeps, for the dump.</summary>
    public const int TruncatedPrefix = 64 * 1024;

    const int ReadSize = 64 * 1024;

    readonly Stream _stream;
    readonly int _maxCellSize;
    readonly int _maxRowSize;
    byte[] _buffer = new byte[2 * ReadSize];
    int _start; // the current record's first byte
    int _length; // the current record's length, without its line end
    int _next; // where the next record starts
    int _end; // end of the data in the buffer
    long _bufferBase; // the stream offset of _buffer[0]
    bool _eof;
    bool _skipping; // discarding the rest of a line that was too long
    long _nextLine = 1;
    int[] _cellStarts = new int[32];
    int[] _cellLengths = new int[32];
    bool[] _cellEscaped = new bool[32];
    char[] _chars = new char[1024]; // the current record decoded
    int _textLength;

    public Utf8CsvReader(Stream stream, int maxCellSize = 1 << 20, int maxRowSize = 16 << 20)
    {
        _stream = stream;
        _maxCellSize = maxCellSize;
        _maxRowSize = maxRowSize;
    }

    /// <summary>The byte offset in the stream (the decompressed report body) at which the current record starts.</summary>
    public long Offset => _bufferBase + _start;

    /// <summary>The line the current record starts on, counting from 1.</summary>
    public long Line { get; private set; }

    /// <summary>The line end of the first record ("\n" or "\r\n"), which a reproduction of the header needs.</summary>
    public string FirstLineEnd { get; private set; } = "\n";

    /// <summary>Why the current record cannot be used, or null; its cells are then not available.</summary>
    public string? Problem { get; private set; }

    /// <summary>The current record's bytes as they came, without the line end (only the first <see cref="TruncatedPrefix"/> bytes of one that was too long).</summary>
    public ReadOnlySpan<byte> Record => _buffer.AsSpan(_start, _length);

    /// <summary>Whether <see cref="Record"/> is valid UTF-8 (a record that was cut short may end inside a character).</summary>
    public bool IsText { get; private set; }

    public int CellCount { get; private set; }

    /// <summary>Advances to the next non-empty record; false at the end of the input.</summary>
    public bool Read()
    {
        while (true)
        {
            if (!NextRecord()) return false;
            if (_length > 0 || Problem is not null) break;
        }
        CellCount = 0;
        var record = Record;
        // One pass decodes and validates; a UTF-16 text never has more units than its UTF-8 bytes.
        if (_chars.Length < record.Length) _chars = new char[Math.Max(record.Length, _chars.Length * 2)];
        var status = Utf8.ToUtf16(record, _chars, out var read, out var written, replaceInvalidSequences: false);
        IsText = status == OperationStatus.Done;
        if (Problem is not null) return true;
        if (!IsText)
        {
            Problem = $"the row is not valid UTF-8 (at byte {read} of {record.Length})";
            return true;
        }
        // NUL characters are dropped, as IntelMQ drops them; the record keeps its bytes for the dump.
        if (_chars.AsSpan(0, written).Contains('\0'))
        {
            var kept = 0;
            for (var i = 0; i < written; i++)
                if (_chars[i] != '\0') _chars[kept++] = _chars[i];
            written = kept;
        }
        _textLength = written;
        Problem = Split(_chars.AsSpan(0, written));
        return true;
    }

    /// <summary>The text of cell <paramref name="index"/>, unquoted.</summary>
    public string GetString(int index)
    {
        var cell = new string(_chars, _cellStarts[index], _cellLengths[index]);
        return _cellEscaped[index] ? cell.Replace("\"\"", "\"", StringComparison.Ordinal) : cell;
    }

    /// <summary>The length of cell <paramref name="index"/> in characters, unquoted but with its quotes still doubled.</summary>
    public int CellLength(int index) => _cellLengths[index];

    /// <summary>The record as text, NUL characters dropped (valid only when <see cref="Problem"/> is null).</summary>
    public string RecordText() => new(_chars, 0, _textLength);

    // Splits the record into cells; a quoted cell may hold commas, line ends and "" for a quote.
    string? Split(ReadOnlySpan<char> record)
    {
        var count = 0;
        var pos = 0;
        while (true)
        {
            if (count == _cellStarts.Length)
            {
                Array.Resize(ref _cellStarts, count * 2);
                Array.Resize(ref _cellLengths, count * 2);
                Array.Resize(ref _cellEscaped, count * 2);
            }
            int start, length, after;
            var escaped = false;
            if (pos < record.Length && record[pos] == '"')
            {
                start = pos + 1;
                var i = start;
                while (true)
                {
                    var q = record[i..].IndexOf('"');
                    if (q < 0) return $"cell {count + 1} has no closing quote";
                    i += q + 1;
                    if (i < record.Length && record[i] == '"') { escaped = true; i++; continue; }
                    break;
                }
                length = i - 1 - start;
                if (i == record.Length || record[i] == ',') after = i;
                else after = record[i..].IndexOf(',') is var comma and >= 0 ? i + comma : record.Length; // text after the closing quote is ignored, as lenient readers do
            }
            else
            {
                start = pos;
                var comma = record[pos..].IndexOf(',');
                after = comma < 0 ? record.Length : pos + comma;
                length = after - start;
            }
            if (length > _maxCellSize) return $"cell {count + 1} is {length} characters long, over max_cell_size ({_maxCellSize})";
            _cellStarts[count] = start;
            _cellLengths[count] = length;
            _cellEscaped[count] = escaped;
            count++;
            CellCount = count;
            if (after >= record.Length) return null;
            pos = after + 1;
        }
    }

    // Frames the next record: a line end outside quotes ends it. Sets _start, _length, _next, Line and Problem.
    bool NextRecord()
    {
        Problem = null;
        _start = _next;
        Line = _nextLine;
        var scan = _start;
        var quotes = 0;
        var lines = 0;
        while (true)
        {
            var nl = _buffer.AsSpan(scan, _end - scan).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                var lineEnd = scan + nl;
                quotes += _buffer.AsSpan(scan, nl).Count((byte)'"');
                lines++;
                if (_skipping)
                {
                    _skipping = false;
                    _start = scan = _next = lineEnd + 1;
                    Line = _nextLine += lines;
                    lines = 0;
                    quotes = 0;
                    continue;
                }
                if (quotes % 2 == 0) // not inside a quoted cell
                {
                    if (Line == 1 && lineEnd > 0 && _buffer[lineEnd - 1] == (byte)'\r') FirstLineEnd = "\r\n";
                    _length = lineEnd - _start;
                    if (_length > 0 && _buffer[lineEnd - 1] == (byte)'\r') _length--;
                    _next = lineEnd + 1;
                    _nextLine += lines;
                    if (_length > _maxRowSize) return TooLong(_length);
                    return true;
                }
                scan = lineEnd + 1;
                continue;
            }
            quotes += _skipping ? 0 : _buffer.AsSpan(scan, _end - scan).Count((byte)'"');
            scan = _end;
            if (_eof)
            {
                if (_skipping || _start == _end) { _skipping = false; _start = _next = _end; _length = 0; return false; }
                _length = _end - _start;
                _next = _end;
                if (quotes % 2 == 1) return OpenQuote("the row has a quote that is never closed");
                _nextLine += lines;
                if (_length > _maxRowSize) return TooLong(_length);
                return true;
            }
            if (_skipping) { _start = _next = scan = _end; }
            else if (_end - _start > _maxRowSize && lines > 0) return OpenQuote("the row has a quote that is not closed within max_row_size");
            else if (_end - _start > _maxRowSize)
            {
                // Over the limit without a line end: keep a prefix for the dump and discard up to the next line end.
                _length = Math.Min(TruncatedPrefix, _end - _start);
                _next = _start + _length;
                _skipping = true;
                _nextLine += lines; // lines inside the discarded part are counted as they are skipped
                Problem = $"the row is longer than max_row_size ({_maxRowSize} bytes); only its first {_length} bytes are kept here, the rest of its line is skipped";
                return true;
            }
            var offset = Fill();
            scan -= offset;
        }
    }

    // An open quote ran to the end of the input: the record's first line is the bad row, reading resumes after it.
    bool OpenQuote(string problem)
    {
        var first = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
        _length = first < 0 ? _end - _start : first;
        _next = first < 0 ? _end : _start + first + 1;
        if (_length > 0 && _buffer[_start + _length - 1] == (byte)'\r') _length--;
        _nextLine++;
        if (_length > TruncatedPrefix) _length = TruncatedPrefix;
        Problem = problem;
        return true;
    }

    bool TooLong(int length)
    {
        _length = Math.Min(TruncatedPrefix, length);
        Problem = $"the row is {length} bytes long, over max_row_size ({_maxRowSize} bytes); only its first {_length} bytes are kept here";
        return true;
    }

    // Moves the unread data to the front (growing the buffer as a record needs) and reads more; returns how far data moved.
    int Fill()
    {
        var offset = _start;
        var kept = _end - _start;
        if (kept + ReadSize > _buffer.Length)
        {
            var grown = new byte[Math.Max(_buffer.Length * 2, kept + ReadSize)];
            _buffer.AsSpan(_start, kept).CopyTo(grown);
            _buffer = grown;
        }
        else if (offset > 0) _buffer.AsSpan(_start, kept).CopyTo(_buffer);
        _start = 0;
        _bufferBase += offset;
        _next -= offset;
        _end = kept;
        var n = _stream.Read(_buffer, _end, _buffer.Length - _end); // room for at least ReadSize bytes
        if (n == 0) _eof = true;
        _end += n;
        if (_nextLine == 1 && offset == 0 && kept == 0 && _end >= 3 && _buffer[0] == 0xEF && _buffer[1] == 0xBB && _buffer[2] == 0xBF)
        {
            _start = _next = 3; // a byte-order mark is not part of the header
            return -3;
        }
        return offset;
    }
}

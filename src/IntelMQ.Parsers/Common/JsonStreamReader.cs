using System.Text.Json;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// Reads one JSON document from a stream without holding it whole: token by token, and chosen values (a list element, a
/// member) whole as documents of their own, each up to a size bound. Iterative (Utf8JsonReader), so input depth cannot
/// exhaust the stack; memory is one value plus the read buffer. Offsets are bytes from where the stream started.
/// </summary>
public sealed class JsonStreamReader(Stream stream, int maxValueBytes)
{
    /// <summary>How deep the document may nest.</summary>
    public const int MaxDepth = 64;

    // What a token other than a value read whole may take beyond the value bound (a long property name, blank space).
    const int Slack = 64 * 1024;

    byte[] _buffer = new byte[64 * 1024];
    int _start, _end;
    long _base;
    bool _final;
    JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = MaxDepth });

    /// <summary>What a value read whole turned out to be.</summary>
    public enum Result { Value, TooLarge, EndOfContainer }

    /// <summary>The largest value read whole, in bytes.</summary>
    public int MaxValueBytes => maxValueBytes;

    public JsonTokenType TokenType { get; private set; }

    /// <summary>The text of the last property name or string token read by <see cref="Read"/>.</summary>
    public string? Text { get; private set; }

    /// <summary>The first bytes of the last value that was larger than the bound (it was skipped).</summary>
    public byte[] TooLargePrefix { get; private set; } = [];

    /// <summary>The size of the last value that was larger than the bound, in bytes.</summary>
    public long TooLargeLength { get; private set; }

    /// <summary>The next token; false at the end of the input.</summary>
    /// <exception cref="JsonStreamException">The input is not JSON, or ends inside the document.</exception>
    public bool Read()
    {
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            try
            {
                if (reader.Read())
                {
                    TokenType = reader.TokenType;
                    Text = reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String ? reader.GetString() : null;
                    Consume(ref reader);
                    return true;
                }
            }
            catch (JsonException ex)
            {
                throw Bad(ex);
            }
            if (_final) return false;
            Fill(maxValueBytes + Slack);
        }
    }

    /// <summary>
    /// The next value whole, as its own document (the caller disposes it); a value larger than the bound is skipped
    /// (<see cref="Result.TooLarge"/>, its first bytes in <see cref="TooLargePrefix"/>); the end of the list or object
    /// being read is <see cref="Result.EndOfContainer"/>.
    /// </summary>
    /// <param name="offset">Where the value starts.</param>
    /// <exception cref="JsonStreamException">The input is not JSON, or ends inside the value.</exception>
    public Result ReadValue(out JsonDocument? document, out long offset)
    {
        document = null;
        offset = _base + _start;
        while (true)
        {
            var reader = new Utf8JsonReader(_buffer.AsSpan(_start, _end - _start), _final, _state);
            try
            {
                if (reader.Read())
                {
                    offset = _base + _start + reader.TokenStartIndex;
                    if (reader.TokenType is JsonTokenType.EndArray or JsonTokenType.EndObject)
                    {
                        TokenType = reader.TokenType;
                        Consume(ref reader);
                        return Result.EndOfContainer;
                    }
                    var start = (int)reader.TokenStartIndex;
                    if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray) || reader.TrySkip())
                    {
                        var length = (int)reader.BytesConsumed - start;
                        if (length > maxValueBytes)
                        {
                            TooLargePrefix = _buffer.AsSpan(_start + start, maxValueBytes).ToArray();
                            TooLargeLength = length;
                            Consume(ref reader);
                            return Result.TooLarge;
                        }
                        // Parse keeps the memory it is given: the value is copied out of the buffer, which is reused.
                        document = JsonDocument.Parse(_buffer.AsSpan(_start + start, length).ToArray(), new JsonDocumentOptions { MaxDepth = MaxDepth });
                        Consume(ref reader);
                        return Result.Value;
                    }
                    if (_end - _start - start > maxValueBytes)
                    {
                        Skip(start, offset);
                        return Result.TooLarge;
                    }
                }
            }
            catch (JsonException ex)
            {
                throw Bad(ex, offset);
            }
            if (_final) throw new JsonStreamException("the report ends or stops being JSON inside a value", offset);
            Fill(maxValueBytes + Slack);
        }
    }

    /// <summary>Skips the rest of the list or object whose start <see cref="Read"/> has just read.</summary>
    /// <exception cref="JsonStreamException">The input is not JSON, or ends inside it.</exception>
    public void SkipContainer()
    {
        var offset = _base + _start;
        for (var depth = 1; depth > 0;)
        {
            if (!Read()) throw new JsonStreamException("the report ends inside the JSON document", offset);
            if (TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) depth++;
            else if (TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) depth--;
        }
    }

    // Skips the container starting at buffer index _start + start, keeping its first bytes; read from _start, so that the reader sees the comma before it.
    void Skip(int start, long offset)
    {
        TooLargePrefix = _buffer.AsSpan(_start + start, Math.Min(maxValueBytes, _end - _start - start)).ToArray();
        var depth = 0;
        do
        {
            if (!Read()) throw new JsonStreamException("the report ends inside the JSON document", offset);
            if (TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) depth++;
            else if (TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray) depth--;
        }
        while (depth > 0);
        TooLargeLength = _base + _start - offset;
    }

    void Consume(ref Utf8JsonReader reader)
    {
        _start += (int)reader.BytesConsumed;
        _state = reader.CurrentState;
    }

    // Moves what is not consumed to the front and reads more; grows the buffer up to the limit.
    void Fill(int limit)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _base += _start;
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length)
        {
            if (_buffer.Length >= limit) throw new JsonStreamException($"a JSON token is larger than {limit} bytes", _base);
            Array.Resize(ref _buffer, (int)Math.Min(limit, _buffer.Length * 2L));
        }
        var n = stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) _final = true;
        else _end += n;
    }

    JsonStreamException Bad(JsonException ex, long? offset = null) =>
        new($"the report ends or stops being JSON (or nests deeper than {MaxDepth} levels) near byte {_base + _start + (ex.BytePositionInLine ?? 0)}: {ex.Message}", offset ?? _base + _start, ex);
}

using System.Text;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// Reads JSON report bodies in bounded memory: a top-level list element by element (each a document of its own, so a
/// bad element is rejected with its position and the rest go on), or a whole document up to a size limit.
/// </summary>
public static class JsonReport
{
    /// <summary>The largest list element or whole document accepted, in characters.</summary>
    public const int MaxSize = 64 << 20;

    /// <summary>How deep a JSON document may nest; read without recursion on its depth.</summary>
    public static readonly JsonDocumentOptions Limits = new() { MaxDepth = 64 };

    /// <summary>A whole body as one document.</summary>
    /// <exception cref="InvalidDataException">The body is larger than <paramref name="maxSize"/> or not JSON.</exception>
    public static JsonDocument ReadDocument(TextReader body, int maxSize = MaxSize) => Parse(ReadText(body, maxSize));

    /// <summary>A whole body as text, for a parser that keeps it as the raw text of its events.</summary>
    /// <exception cref="InvalidDataException">The body is larger than <paramref name="maxSize"/>.</exception>
    public static string ReadText(TextReader body, int maxSize = MaxSize)
    {
        var text = new StringBuilder();
        var buffer = new char[16 * 1024];
        int n;
        while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (text.Length + n > maxSize) throw new InvalidDataException($"the report is larger than {maxSize} characters");
            text.Append(buffer, 0, n);
        }
        return text.ToString();
    }

    /// <exception cref="InvalidDataException">The text is not JSON.</exception>
    public static JsonDocument Parse(string text)
    {
        try
        {
            return JsonDocument.Parse(text, Limits);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"the report is not JSON (or nested deeper than {Limits.MaxDepth} levels): {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Each element of a body that is one JSON list built into an event and emitted with its raw text; an element that
    /// cannot be read or built (bad input) is rejected ("element N") and the rest go on.
    /// </summary>
    public static void EmitEach(TextReader body, IEmitter output, Func<JsonElement, Event> build, Func<JsonElement, string> raw)
    {
        foreach (var (index, record) in ReadList(body, output))
        {
            try
            {
                output.EmitParsed(build(record), raw(record));
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"element {index}", record.GetRawText(), ex);
            }
        }
    }

    /// <summary>
    /// The elements of a body that is one JSON list, in order, each parsed on its own. An element that is not valid JSON
    /// or is too large is rejected ("element N") and skipped.
    /// </summary>
    /// <exception cref="InvalidDataException">The body is not a JSON list.</exception>
    public static IEnumerable<(int Index, JsonElement Element)> ReadList(TextReader body, IEmitter rejects, int maxSize = MaxSize)
    {
        var scanner = new ListScanner(body, maxSize);
        var index = 0;
        while (scanner.Next() is { } text)
        {
            index++;
            if (scanner.TooLarge)
            {
                rejects.Reject($"element {index}", text, new InvalidDataException($"the list element is larger than {maxSize} characters"));
                continue;
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text, Limits);
            }
            catch (JsonException ex)
            {
                rejects.Reject($"element {index}", text, new InvalidDataException($"the list element is not valid JSON: {ex.Message}", ex));
                continue;
            }
            using (document) yield return (index, document.RootElement);
        }
    }

    /// <summary>Splits a JSON list into the texts of its elements by tracking nesting and strings, without parsing them.</summary>
    sealed class ListScanner(TextReader body, int maxSize)
    {
        readonly char[] _buffer = new char[16 * 1024];
        int _length, _position;
        bool _started, _ended;

        public bool TooLarge { get; private set; }

        public string? Next()
        {
            if (_ended) return null;
            if (!_started)
            {
                var first = SkipBlank();
                if (first != '[') throw new InvalidDataException(first < 0 ? "the report is empty" : $"the report is not a JSON list: it starts with '{(char)first}'");
                _started = true;
                _position++;
            }
            var text = new StringBuilder();
            TooLarge = false;
            int depth = 0;
            bool inString = false, escaped = false;
            while (true)
            {
                if (_position == _length && !Fill())
                    throw new InvalidDataException("the JSON list is not closed: the report ends inside it");
                var c = _buffer[_position++];
                if (inString)
                {
                    if (escaped) escaped = false;
                    else if (c == '\\') escaped = true;
                    else if (c == '"') inString = false;
                }
                else if (c == '"') inString = true;
                else if (c is '[' or '{') depth++;
                else if (c is ']' or '}')
                {
                    if (depth == 0)
                    {
                        _ended = true;
                        return text.ToString().Trim() is { Length: > 0 } last ? last : null;
                    }
                    depth--;
                }
                else if (c == ',' && depth == 0)
                {
                    var element = text.ToString().Trim();
                    if (element.Length > 0 || TooLarge) return element;
                    continue;
                }
                if (text.Length < maxSize) text.Append(c);
                else TooLarge = true;
            }
        }

        int SkipBlank()
        {
            while (true)
            {
                if (_position == _length && !Fill()) return -1;
                var c = _buffer[_position];
                if (!char.IsWhiteSpace(c) && c != '\uFEFF') return c;
                _position++;
            }
        }

        bool Fill()
        {
            _length = body.Read(_buffer, 0, _buffer.Length);
            _position = 0;
            return _length > 0;
        }
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// JSON text as Python's <c>json.dumps</c> writes it (", " and ": " separators, non-ASCII escaped, floats as Python
/// prints them): IntelMQ's JSON parsers put a record so written into raw, and events must carry the same text.
/// Iterative, so a deep document cannot exhaust the stack.
/// </summary>
public static class PythonJson
{
    /// <summary>The element as <c>json.dumps(value, sort_keys=sortKeys)</c> writes it.</summary>
    public static string Dumps(JsonElement value, bool sortKeys = false)
    {
        var sb = new StringBuilder();
        Write(sb, value, sortKeys);
        return sb.ToString();
    }

    /// <summary>A list of one element, as IntelMQ's JSON parsers write a record's raw: <c>json.dumps([value])</c>.</summary>
    public static string DumpsAsList(JsonElement value, bool sortKeys = false)
    {
        var sb = new StringBuilder("[");
        Write(sb, value, sortKeys);
        return sb.Append(']').ToString();
    }

    static void Write(StringBuilder sb, JsonElement root, bool sortKeys)
    {
        // A stack of pending items: an element to write, or a literal to append.
        var work = new Stack<(JsonElement Element, string? Literal)>();
        work.Push((root, null));
        while (work.Count > 0)
        {
            var (element, literal) = work.Pop();
            if (literal is not null)
            {
                sb.Append(literal);
                continue;
            }
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    var properties = element.EnumerateObject().ToList();
                    if (sortKeys) properties.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                    sb.Append('{');
                    work.Push((default, "}"));
                    for (var i = properties.Count - 1; i >= 0; i--)
                    {
                        work.Push((properties[i].Value, null));
                        work.Push((default, (i > 0 ? ", " : "") + Quote(properties[i].Name) + ": "));
                    }
                    break;
                case JsonValueKind.Array:
                    var items = element.EnumerateArray().ToList();
                    sb.Append('[');
                    work.Push((default, "]"));
                    for (var i = items.Count - 1; i >= 0; i--)
                    {
                        work.Push((items[i], null));
                        if (i > 0) work.Push((default, ", "));
                    }
                    break;
                case JsonValueKind.String:
                    sb.Append(Quote(element.GetString()!));
                    break;
                case JsonValueKind.Number:
                    sb.Append(Number(element));
                    break;
                case JsonValueKind.True:
                    sb.Append("true");
                    break;
                case JsonValueKind.False:
                    sb.Append("false");
                    break;
                default:
                    sb.Append("null");
                    break;
            }
        }
    }

    // Python keeps an integer's digits and prints a float by repr (1.5, 100000.0, 1e+16).
    static string Number(JsonElement number)
    {
        var raw = number.GetRawText();
        if (raw.AsSpan().IndexOfAny(".eE") < 0) return raw;
        return PythonFloat.Format(number.GetDouble());
    }

    /// <summary>A string as Python's json writes it with ensure_ascii: \uXXXX for everything outside printable ASCII.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7f) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        return sb.Append('"').ToString();
    }
}

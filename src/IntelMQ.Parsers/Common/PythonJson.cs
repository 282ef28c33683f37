using System.Globalization;
using System.Text;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Common;

/// <summary>
/// Writes JSON as Python's <c>json.dumps</c> does with its defaults (", " and ": " separators, non-ASCII escaped,
/// floats as repr), which is how IntelMQ writes the raw text of a record taken from a JSON report.
/// </summary>
public static class PythonJson
{
    public static string Dumps(JsonElement value, bool sortKeys = false)
    {
        var text = new StringBuilder();
        Write(text, value, sortKeys, 0);
        return text.ToString();
    }

    /// <summary>A one-element list holding <paramref name="value"/>, as IntelMQ writes a record of a JSON list.</summary>
    public static string DumpsInList(JsonElement value, bool sortKeys = false)
    {
        var text = new StringBuilder("[");
        Write(text, value, sortKeys, 0);
        return text.Append(']').ToString();
    }

    // Depth is bounded by the reader's MaxDepth; the guard keeps the writer safe on its own.
    static void Write(StringBuilder text, JsonElement value, bool sortKeys, int depth)
    {
        if (depth > 64) throw new InvalidDataException("the JSON is nested deeper than 64 levels");
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                IEnumerable<JsonProperty> properties = value.EnumerateObject();
                if (sortKeys) properties = properties.OrderBy(p => p.Name, StringComparer.Ordinal);
                foreach (var property in properties)
                {
                    if (!first) text.Append(", ");
                    first = false;
                    WriteString(text, property.Name);
                    text.Append(": ");
                    Write(text, property.Value, sortKeys, depth + 1);
                }
                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (i++ > 0) text.Append(", ");
                    Write(text, item, sortKeys, depth + 1);
                }
                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(text, value.GetString()!);
                break;
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                text.Append(raw.AsSpan().IndexOfAny(".eE") >= 0 ? PythonFloat.Format(double.Parse(raw, CultureInfo.InvariantCulture)) : raw);
                break;
            case JsonValueKind.True: text.Append("true"); break;
            case JsonValueKind.False: text.Append("false"); break;
            default: text.Append("null"); break;
        }
    }

    static void WriteString(StringBuilder text, string s)
    {
        text.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e) text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else text.Append(c);
                    break;
            }
        }
        text.Append('"');
    }
}

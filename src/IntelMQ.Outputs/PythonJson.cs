using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Outputs;

/// <summary>
/// JSON text as Python's <c>json.dumps</c> writes it with its defaults (", " and ": " separators, non-ASCII as
/// <c>\uXXXX</c>), so that a JSON column holds the same text IntelMQ would have stored.
/// </summary>
internal static class PythonJson
{
    public static string Text(object? value)
    {
        var text = new StringBuilder();
        AppendValue(text, value);
        return text.ToString();
    }

    public static void AppendValue(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null: text.Append("null"); break;
            case string s: AppendString(text, s); break;
            case bool b: text.Append(b ? "true" : "false"); break;
            case long l: text.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: text.Append(Float(d)); break;
            case JsonObject o:
                text.Append('{');
                var first = true;
                foreach (var (name, member) in o)
                {
                    if (!first) text.Append(", ");
                    first = false;
                    AppendString(text, name);
                    text.Append(": ");
                    AppendValue(text, member);
                }
                text.Append('}');
                break;
            case JsonArray a: AppendItems(text, a); break;
            case JsonValue v: AppendValue(text, Scalar(v)); break;
            case System.Collections.IEnumerable items: AppendItems(text, items); break;
            default: throw new InvalidOperationException($"An event holds a value of unexpected type {value.GetType().Name}.");
        }
    }

    static void AppendItems(StringBuilder text, System.Collections.IEnumerable items)
    {
        text.Append('[');
        var first = true;
        foreach (var item in items)
        {
            if (!first) text.Append(", ");
            first = false;
            AppendValue(text, item);
        }
        text.Append(']');
    }

    static object? Scalar(JsonValue v) => v.GetValueKind() switch
    {
        JsonValueKind.String => v.GetValue<string>(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Number when v.TryGetValue<long>(out var l) => l,
        JsonValueKind.Number => v.GetValue<double>(),
        _ => null,
    };

    /// <summary>Python's repr of a float: shortest round-trip digits, always with a fraction or exponent.</summary>
    static string Float(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsInfinity(d)) return d > 0 ? "Infinity" : "-Infinity";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E'))
        {
            // 1E-05 -> 1e-05, 1E+16 -> 1e+16: Python pads the exponent to two digits.
            var (mantissa, exponent) = (r[..r.IndexOf('E')], int.Parse(r[(r.IndexOf('E') + 1)..], CultureInfo.InvariantCulture));
            return $"{mantissa}e{(exponent < 0 ? '-' : '+')}{Math.Abs(exponent):00}";
        }
        return r.Contains('.') ? r : r + ".0";
    }

    static void AppendString(StringBuilder text, string s)
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
                case < ' ' or > '\u007f': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }
        text.Append('"');
    }
}

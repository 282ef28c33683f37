using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Experts.Common;

/// <summary>
/// An event's key as IntelMQ computes it for its cache (Message.hash): SHA-256 over the message's IntelMQ fields in
/// name order, each as its name, 0xC0, Python's repr() of its value, 0xC0; time.observation is never part of it. The
/// same key as IntelMQ's bots, so a Redis cache can be shared with them.
/// </summary>
static class MessageHash
{
    const string Observation = "time.observation", ExternalId = "extra.idf.event.id";
    const byte Separator = 0xC0;

    /// <param name="fields">IntelMQ field names: the only ones hashed (<paramref name="whitelist"/>) or the ones left out.</param>
    public static string Of(Event ev, IReadOnlySet<string> fields, bool whitelist)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer)) EventJson.WriteDho(writer, ev, withType: false);
        using var message = JsonDocument.Parse(buffer.WrittenMemory);
        var chosen = new List<JsonProperty>();
        foreach (var field in message.RootElement.EnumerateObject())
            if (field.Name is not (Observation or ExternalId) && fields.Contains(field.Name) == whitelist) chosen.Add(field);
        chosen.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var text = new StringBuilder();
        foreach (var field in chosen)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(field.Name));
            sha.AppendData([Separator]);
            text.Clear();
            Repr(field.Value, text);
            sha.AppendData(Encoding.UTF8.GetBytes(text.ToString()));
            sha.AppendData([Separator]);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    // The value as Python holds it after json.loads, written as repr() writes it.
    static void Repr(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String: Repr(value.GetString()!, text); break;
            case JsonValueKind.Number: text.Append(value.GetRawText()); break; // integers as they are; floats were written in Python's repr
            case JsonValueKind.True: text.Append("True"); break;
            case JsonValueKind.False: text.Append("False"); break;
            case JsonValueKind.Null: text.Append("None"); break;
            case JsonValueKind.Array:
                text.Append('[');
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first) text.Append(", ");
                    first = false;
                    Repr(item, text);
                }
                text.Append(']');
                break;
            default:
                text.Append('{');
                var firstKey = true;
                foreach (var property in value.EnumerateObject())
                {
                    if (!firstKey) text.Append(", ");
                    firstKey = false;
                    Repr(property.Name, text);
                    text.Append(": ");
                    Repr(property.Value, text);
                }
                text.Append('}');
                break;
        }
    }

    /// <summary>Python's repr() of a str: single quotes unless only double quotes avoid escaping, printable characters kept.</summary>
    public static void Repr(string value, StringBuilder text)
    {
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        text.Append(quote);
        foreach (var rune in value.EnumerateRunes())
        {
            var c = rune.Value;
            if (c == quote || c == '\\') text.Append('\\').Append((char)c);
            else if (c == '\t') text.Append("\\t");
            else if (c == '\n') text.Append("\\n");
            else if (c == '\r') text.Append("\\r");
            else if (c is < 0x20 or 0x7f) text.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            else if (c < 0x7f || Printable(rune)) text.Append(rune.ToString());
            else if (c <= 0xff) text.Append("\\x").Append(c.ToString("x2", CultureInfo.InvariantCulture));
            else if (c <= 0xffff) text.Append("\\u").Append(c.ToString("x4", CultureInfo.InvariantCulture));
            else text.Append("\\U").Append(c.ToString("x8", CultureInfo.InvariantCulture));
        }
        text.Append(quote);
    }

    // str.isprintable(): not a control, format, surrogate, private-use, unassigned or separator character (the space aside).
    static bool Printable(Rune rune) => Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
        or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.SpaceSeparator);
}

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
    const string Observation = "time.observation", ExternalId = "extra.idf.event.id", Raw = "raw";
    const byte Separator = 0xC0;

    /// <param name="fields">IntelMQ field names: the only ones hashed (<paramref name="whitelist"/>) or the ones left out.</param>
    public static string Of(Event ev, IReadOnlySet<string> fields, bool whitelist)
    {
        var scratch = _scratch ??= new Scratch();
        scratch.Json.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Json);
        // raw is IntelMQ's base64 of the original: not encoded when it is not hashed.
        EventJson.WriteDho(scratch.Writer, ev, withType: false, withRaw: fields.Contains(Raw) == whitelist);
        scratch.Writer.Flush();
        using var message = JsonDocument.Parse(scratch.Json.WrittenMemory);
        var chosen = scratch.Chosen;
        chosen.Clear();
        // JsonProperty.Name makes a new string each time it is read: read once per field, not in every comparison.
        foreach (var field in message.RootElement.EnumerateObject())
            if (field.Name is var name && name is not (Observation or ExternalId) && fields.Contains(name) == whitelist) chosen.Add((name, field.Value));
        chosen.Sort(ByName);
        // The preimage is hashed in one piece: the same digest as hashing its parts one after the other.
        var preimage = scratch.Preimage;
        preimage.ResetWrittenCount();
        var text = scratch.Text;
        foreach (var (name, value) in chosen)
        {
            Append(preimage, name);
            preimage.Write([Separator]);
            text.Clear();
            Repr(value, text);
            foreach (var part in text.GetChunks()) Append(preimage, part.Span);
            preimage.Write([Separator]);
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(preimage.WrittenSpan, hash);
        if (scratch.Json.Capacity > 1 << 20 || preimage.Capacity > 1 << 20) _scratch = null; // one huge event does not pin its buffers
        return Convert.ToHexStringLower(hash);
    }

    static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<char> text)
    {
        var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    static readonly Comparison<(string Name, JsonElement Value)> ByName = (a, b) => string.CompareOrdinal(a.Name, b.Name);

    [ThreadStatic] static Scratch? _scratch;

    /// <summary>The buffers one thread hashes with, kept from event to event.</summary>
    sealed class Scratch
    {
        public readonly ArrayBufferWriter<byte> Json = new(1024), Preimage = new(1024);
        public readonly Utf8JsonWriter Writer = new(Stream.Null);
        public readonly List<(string Name, JsonElement Value)> Chosen = [];
        public readonly StringBuilder Text = new();
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
            else if (c < 0x7f || (rune.IsBmp && Printable(rune))) text.Append((char)c);
            else if (Printable(rune)) text.Append(char.ConvertFromUtf32(c));
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

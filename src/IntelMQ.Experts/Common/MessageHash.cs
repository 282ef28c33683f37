using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
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

    /// <param name="fields">IntelMQ field names (ordinal): the only ones hashed (<paramref name="whitelist"/>) or the ones left out.</param>
    public static string Of(Event ev, HashSet<string> fields, bool whitelist)
    {
        var scratch = _scratch ??= new Scratch();
        scratch.Json.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Json);
        // raw is IntelMQ's base64 of the original: not encoded when it is not hashed.
        EventJson.WriteDho(scratch.Writer, ev, withType: false, withRaw: fields.Contains(Raw) == whitelist);
        scratch.Writer.Flush();
        // One pass over the message as written, without a document: each chosen field's part of the preimage
        // (name, separator, repr, separator) is written as it is read, and the parts are joined in name order.
        var parts = scratch.Parts;
        parts.ResetWrittenCount();
        scratch.Names.ResetWrittenCount();
        scratch.Chosen.Clear();
        var names = fields.GetAlternateLookup<ReadOnlySpan<char>>();
        var reader = new Utf8JsonReader(scratch.Json.WrittenSpan);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = scratch.Text(ref reader);
            var chosen = name is not (Observation or ExternalId) && names.Contains(name) == whitelist;
            var nameStart = scratch.Names.WrittenCount;
            if (chosen) scratch.Names.Write(name);
            reader.Read();
            if (!chosen)
            {
                reader.Skip();
                continue;
            }
            var partStart = parts.WrittenCount;
            Append(parts, name);
            parts.Write([Separator]);
            Repr(ref reader, scratch);
            parts.Write([Separator]);
            scratch.Chosen.Add(new Part(nameStart, name.Length, partStart, parts.WrittenCount - partStart));
        }
        var chosenParts = CollectionsMarshal.AsSpan(scratch.Chosen);
        SortByName(chosenParts, scratch.Names.WrittenSpan);
        // Joined, then hashed in one call: each call into OpenSSL costs more than hashing a field.
        var preimage = scratch.Preimage;
        preimage.ResetWrittenCount();
        foreach (var part in chosenParts) preimage.Write(parts.WrittenSpan.Slice(part.Start, part.Length));
        scratch.Sha256.AppendData(preimage.WrittenSpan);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        scratch.Sha256.GetHashAndReset(hash);
        if (scratch.Json.Capacity > 1 << 20 || parts.Capacity > 1 << 20 || preimage.Capacity > 1 << 20) _scratch = null; // one huge event does not pin its buffers
        return Convert.ToHexStringLower(hash);
    }

    static void Append(ArrayBufferWriter<byte> buffer, ReadOnlySpan<char> text)
    {
        var span = buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        buffer.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    /// <summary>A chosen field: its name in <see cref="Scratch.Names"/>, its part of the preimage in <see cref="Scratch.Parts"/>.</summary>
    readonly record struct Part(int NameStart, int NameLength, int Start, int Length);

    // A message has a few dozen fields: an insertion sort beats the general sort there (which also wraps the comparer
    // in a delegate per call); a message with many fields takes the general sort.
    static void SortByName(Span<Part> parts, ReadOnlySpan<char> names)
    {
        if (parts.Length > 64)
        {
            parts.Sort(new ByName(names.ToArray()));
            return;
        }
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            var j = i - 1;
            for (; j >= 0 && Compare(parts[j], part, names) > 0; j--) parts[j + 1] = parts[j];
            parts[j + 1] = part;
        }
    }

    static int Compare(Part a, Part b, ReadOnlySpan<char> names) =>
        names.Slice(a.NameStart, a.NameLength).SequenceCompareTo(names.Slice(b.NameStart, b.NameLength));

    sealed class ByName(char[] names) : IComparer<Part>
    {
        public int Compare(Part a, Part b) => MessageHash.Compare(a, b, names);
    }

    [ThreadStatic] static Scratch? _scratch;

    /// <summary>The buffers one thread hashes with, kept from event to event.</summary>
    sealed class Scratch
    {
        public readonly ArrayBufferWriter<byte> Json = new(1024), Parts = new(1024), Preimage = new(1024);
        // Kept: a new hash per event costs more in OpenSSL's context set-up than the hashing itself.
        public readonly IncrementalHash Sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public readonly Utf8JsonWriter Writer = new(Stream.Null);
        public readonly List<Part> Chosen = [];
        public readonly ArrayBufferWriter<char> Names = new(256);
        char[] _chars = new char[256];

        /// <summary>The current name or string token, unescaped, valid until the next call.</summary>
        public ReadOnlySpan<char> Text(ref Utf8JsonReader reader)
        {
            if (_chars.Length < reader.ValueSpan.Length) _chars = new char[Math.Max(reader.ValueSpan.Length, _chars.Length * 2)];
            return _chars.AsSpan(0, reader.CopyString(_chars));
        }
    }

    // The value the reader is on, as Python holds it after json.loads, written as repr() writes it.
    static void Repr(ref Utf8JsonReader reader, Scratch scratch)
    {
        switch (reader.TokenType)
        {
            // Most values are plain ASCII as written: their bytes are their repr, without decoding them to text.
            case JsonTokenType.String when !reader.ValueIsEscaped && !reader.ValueSpan.ContainsAnyExcept(PlainBytes):
                scratch.Parts.Write("'"u8);
                scratch.Parts.Write(reader.ValueSpan);
                scratch.Parts.Write("'"u8);
                break;
            case JsonTokenType.String: Repr(scratch.Text(ref reader), scratch.Parts); break;
            case JsonTokenType.Number: scratch.Parts.Write(reader.ValueSpan); break; // integers as they are; floats were written in Python's repr
            case JsonTokenType.True: Append(scratch.Parts, "True"); break;
            case JsonTokenType.False: Append(scratch.Parts, "False"); break;
            case JsonTokenType.Null: Append(scratch.Parts, "None"); break;
            default:
                // Lists and dicts (extra fields) are rare: read through a document.
                using (var document = JsonDocument.ParseValue(ref reader)) Repr(document.RootElement, scratch.Parts);
                break;
        }
    }

    static void Repr(JsonElement value, ArrayBufferWriter<byte> text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String: Repr(value.GetString()!, text); break;
            case JsonValueKind.Number: Append(text, value.GetRawText()); break;
            case JsonValueKind.True: Append(text, "True"); break;
            case JsonValueKind.False: Append(text, "False"); break;
            case JsonValueKind.Null: Append(text, "None"); break;
            case JsonValueKind.Array:
                Append(text, "[");
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first) Append(text, ", ");
                    first = false;
                    Repr(item, text);
                }
                Append(text, "]");
                break;
            default:
                Append(text, "{");
                var firstKey = true;
                foreach (var property in value.EnumerateObject())
                {
                    if (!firstKey) Append(text, ", ");
                    firstKey = false;
                    Repr(property.Name, text);
                    Append(text, ": ");
                    Repr(property.Value, text);
                }
                Append(text, "}");
                break;
        }
    }

    /// <summary>Python's repr() of a str, in UTF-8: single quotes unless only double quotes avoid escaping, printable characters kept.</summary>
    static void Repr(ReadOnlySpan<char> value, ArrayBufferWriter<byte> text)
    {
        if (!value.ContainsAnyExcept(PlainCharacters))
        {
            // Printable ASCII without quotes or backslashes, as most values are: written as it is, in single quotes.
            text.Write("'"u8);
            Append(text, value);
            text.Write("'"u8);
            return;
        }
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        Span<char> escape = stackalloc char[10];
        text.Write([(byte)quote]);
        foreach (var rune in value.EnumerateRunes())
        {
            var c = rune.Value;
            if (c < 0x7f && c >= 0x20 && c != quote && c != '\\')
            {
                text.Write([(byte)c]);
                continue;
            }
            var written = c == quote || c == '\\' ? Escaped(escape, (char)c)
                : c == '\t' ? Escaped(escape, 't')
                : c == '\n' ? Escaped(escape, 'n')
                : c == '\r' ? Escaped(escape, 'r')
                : c is < 0x20 or 0x7f || (!Printable(rune) && c <= 0xff) ? Hex(escape, 'x', c, 2)
                : Printable(rune) ? rune.EncodeToUtf16(escape)
                : c <= 0xffff ? Hex(escape, 'u', c, 4)
                : Hex(escape, 'U', c, 8);
            Append(text, escape[..written]);
        }
        text.Write([(byte)quote]);
    }

    const string Plain = " !#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~";
    static readonly SearchValues<char> PlainCharacters = SearchValues.Create(Plain);
    static readonly SearchValues<byte> PlainBytes = SearchValues.Create(Encoding.ASCII.GetBytes(Plain));

    static int Escaped(Span<char> escape, char c)
    {
        escape[0] = '\\';
        escape[1] = c;
        return 2;
    }

    static int Hex(Span<char> escape, char kind, int c, int digits)
    {
        escape[0] = '\\';
        escape[1] = kind;
        c.TryFormat(escape[2..], out var written, digits == 2 ? "x2" : digits == 4 ? "x4" : "x8", CultureInfo.InvariantCulture);
        return 2 + written;
    }

    // str.isprintable(): not a control, format, surrogate, private-use, unassigned or separator character (the space aside).
    static bool Printable(Rune rune) => Rune.GetUnicodeCategory(rune) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
        or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
        or UnicodeCategory.SpaceSeparator);
}

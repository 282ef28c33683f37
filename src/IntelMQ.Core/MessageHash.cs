using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Core;

/// <summary>
/// IntelMQ's hash of a message (Message.hash), by which its deduplicator and threshold bots key their caches: SHA-256
/// over the message's fields as IntelMQ names them (DHO), in name order, each as its name, 0xC0, Python's repr() of the
/// value json.loads reads from the DHO message, 0xC0; time.observation and the event id are never part of it. Computed
/// from the event's values, without writing the message, to the same digest, so a Redis cache can be shared with
/// IntelMQ's bots. An instance is used by one thread at a time.
/// </summary>
public sealed class MessageHash
{
    const string Observation = "time.observation", ExternalId = EventJson.IdfPrefix + Event.IdField;
    const byte Separator = 0xC0;

    readonly HashSet<string> _names;
    readonly bool _whitelist;
    // By placement number: whether a catalogue field is hashed and where its name sorts, decided once per field
    // rather than for every event.
    Field?[] _fields = new Field?[256];
    readonly List<Field> _sorted = [];

    /// <summary>A catalogue field this hash met: whether it is hashed, and its name's place among those of the others hashed.</summary>
    sealed class Field(bool chosen, byte[] name)
    {
        public bool Chosen { get; } = chosen;
        public byte[] Name { get; } = name;
        public int Rank { get; set; } = -1;
    }

    /// <param name="names">IntelMQ (DHO) field names: the only ones hashed (<paramref name="whitelist"/>) or the ones left out.</param>
    public MessageHash(IEnumerable<string> names, bool whitelist)
    {
        _names = new HashSet<string>(names, StringComparer.Ordinal);
        _whitelist = whitelist;
    }

    /// <summary>The digest in lower-case hex, as IntelMQ's Redis keys have it.</summary>
    public string Of(Event ev)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        Compute(ev, digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>Writes the digest (<see cref="SHA256.HashSizeInBytes"/> bytes) into <paramref name="digest"/>.</summary>
    public void Compute(Event ev, Span<byte> digest)
    {
        var scratch = _scratch ??= new Scratch();
        var parts = scratch.Parts;
        parts.Length = 0;
        scratch.Chosen.Clear();
        var ranked = true;
        foreach (ref readonly var entry in ev.Entries)
        {
            var placement = entry.Placement;
            var field = Find(placement);
            if (field is { Chosen: false } || field is null && !IsChosen(placement)) continue;
            var value = entry.Value;
            if (entry.Key == Event.LinksField && value is List<object> links)
            {
                // The DHO message leaves parent links out (EventJson.WriteDho), and the field when only they are left.
                if (links.TrueForAll(EventJson.IsParent)) continue;
                value = links.FindAll(link => !EventJson.IsParent(link));
            }
            var start = parts.Length;
            var name = placement.DhoName;
            parts.Write(name);
            parts.Write(Separator);
            if (entry.Key == Event.OriginalField && value is string or Event.JoinedText) ReprRaw(value, parts);
            else Repr(value, scratch);
            parts.Write(Separator);
            scratch.Chosen.Add(new Part(name, field, start, parts.Length - start));
            ranked &= field is not null;
        }
        var chosen = CollectionsMarshal.AsSpan(scratch.Chosen);
        Sort(chosen, ranked);
        // Joined, then hashed in one call: each call into OpenSSL costs more than hashing a field.
        var preimage = scratch.Preimage;
        preimage.Length = 0;
        foreach (var part in chosen) preimage.Write(parts.Written.Slice(part.Start, part.Length));
        scratch.Sha256.AppendData(preimage.Written);
        scratch.Sha256.GetHashAndReset(digest);
        if (parts.Capacity > 1 << 20 || preimage.Capacity > 1 << 20) _scratch = null; // one huge event does not pin its buffers
    }

    // A field another catalogue made (order -1) has a placement per event: decided by name each time, not kept.
    Field? Find(FieldCatalogue.Placement placement)
    {
        if (placement.Order < 0) return null;
        var number = placement.Number;
        if (number < _fields.Length && _fields[number] is { } known) return known;
        if (number >= _fields.Length) Array.Resize(ref _fields, Math.Max(number + 1, 2 * _fields.Length));
        var field = _fields[number] = new Field(IsChosen(placement), placement.DhoName);
        if (!field.Chosen) return field;
        // A name not ranked before goes in its place, and the names after it move up one.
        var at = _sorted.BinarySearch(field, ByName.Instance);
        _sorted.Insert(at < 0 ? ~at : at, field);
        for (var i = 0; i < _sorted.Count; i++) _sorted[i].Rank = i;
        return field;
    }

    bool IsChosen(FieldCatalogue.Placement placement) =>
        Encoding.UTF8.GetString(placement.DhoName) is var name && name is not (Observation or ExternalId) && _names.Contains(name) == _whitelist;

    sealed class ByName : IComparer<Field>
    {
        public static readonly ByName Instance = new();

        public int Compare(Field? a, Field? b) => a!.Name.AsSpan().SequenceCompareTo(b!.Name);
    }

    /// <summary>A chosen field: its DHO name, its ranked field if it has one, and where its part of the preimage is in <see cref="Scratch.Parts"/>.</summary>
    readonly record struct Part(byte[] Name, Field? Field, int Start, int Length);

    // In name order, as Python sorts str, by code point, which is UTF-8's byte order. Ranked fields compare as numbers;
    // a message has a few dozen fields, where an insertion sort beats the general sort.
    static void Sort(Span<Part> parts, bool ranked)
    {
        if (parts.Length > 64)
        {
            parts.Sort(static (a, b) => a.Name.AsSpan().SequenceCompareTo(b.Name));
            return;
        }
        for (var i = 1; i < parts.Length; i++)
        {
            var part = parts[i];
            var j = i - 1;
            for (; j >= 0 && (ranked ? parts[j].Field!.Rank > part.Field!.Rank : parts[j].Name.AsSpan().SequenceCompareTo(part.Name) > 0); j--) parts[j + 1] = parts[j];
            parts[j + 1] = part;
        }
    }

    [ThreadStatic] static Scratch? _scratch;

    /// <summary>The buffers one thread hashes with, kept from event to event.</summary>
    sealed class Scratch
    {
        public readonly Bytes Parts = new(), Preimage = new();
        public readonly ArrayBufferWriter<byte> Json = new(256);
        // Kept: a new hash per event costs more in OpenSSL's context set-up than the hashing itself.
        public readonly IncrementalHash Sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        public readonly List<Part> Chosen = [];
        public readonly Utf8JsonWriter Writer = new(Stream.Null);
    }

    /// <summary>A growing buffer written a few bytes at a time, without the checks of a general writer on every call.</summary>
    sealed class Bytes
    {
        byte[] _bytes = new byte[1024];

        public int Length { get; set; }
        public int Capacity => _bytes.Length;
        public ReadOnlySpan<byte> Written => _bytes.AsSpan(0, Length);

        /// <summary>At least <paramref name="size"/> bytes after what was written; <see cref="Length"/> moves when they are.</summary>
        public Span<byte> Room(int size)
        {
            if (_bytes.Length - Length < size) Array.Resize(ref _bytes, Math.Max(2 * _bytes.Length, Length + size));
            return _bytes.AsSpan(Length);
        }

        public void Write(byte value)
        {
            if (Length == _bytes.Length) Room(1);
            _bytes[Length++] = value;
        }

        public void Write(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(Room(bytes.Length));
            Length += bytes.Length;
        }

        public void Write(ReadOnlySpan<char> text) => Length += Encoding.UTF8.GetBytes(text, Room(Encoding.UTF8.GetMaxByteCount(text.Length)));
    }

    // raw: IntelMQ's base64 of the original's UTF-8, whose repr is itself in quotes (base64 has no character to escape).
    static void ReprRaw(object original, Bytes parts)
    {
        var (head, tail) = original is Event.JoinedText joined ? (joined.Head, joined.Tail) : ((string)original, "");
        var utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(head.Length + tail.Length));
        var length = Encoding.UTF8.GetBytes(head, utf8);
        length += Encoding.UTF8.GetBytes(tail, utf8.AsSpan(length));
        parts.Write((byte)'\'');
        Base64.EncodeToUtf8(utf8.AsSpan(0, length), parts.Room(Base64.GetMaxEncodedToUtf8Length(length)), out _, out var written);
        parts.Length += written;
        parts.Write((byte)'\'');
        ArrayPool<byte>.Shared.Return(utf8);
    }

    // A value as the DHO message holds it (EventJson.WriteValue), written as repr() writes what json.loads reads back.
    static void Repr(object? value, Scratch scratch)
    {
        var parts = scratch.Parts;
        switch (value)
        {
            case string s: Repr(s, parts); break;
            case long l:
                Utf8Formatter.TryFormat(l, parts.Room(20), out var length);
                parts.Length += length;
                break;
            case double d: parts.Length += PythonFloat.Format(d, parts.Room(PythonFloat.MaxLength)); break;
            case bool b: parts.Write(b ? "True"u8 : "False"u8); break;
            case null: parts.Write("None"u8); break;
            case Event.JoinedText joined: Repr(joined.ToString(), parts); break;
            case JsonNode node:
                // Objects and arrays (custom fields) are rare: written and read back as the DHO reader would.
                var json = scratch.Json;
                json.ResetWrittenCount();
                scratch.Writer.Reset(json);
                node.WriteTo(scratch.Writer);
                scratch.Writer.Flush();
                using (var document = JsonDocument.Parse(json.WrittenMemory)) Repr(document.RootElement, parts);
                break;
            case System.Collections.IEnumerable items:
                parts.Write("["u8);
                var first = true;
                foreach (var item in items)
                {
                    if (!first) parts.Write(", "u8);
                    first = false;
                    Repr(item, scratch);
                }
                parts.Write("]"u8);
                break;
            default: throw new InvalidOperationException($"An event holds a value of unexpected type {value.GetType().Name}.");
        }
    }

    static void Repr(JsonElement value, Bytes text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String: Repr(value.GetString()!, text); break;
            case JsonValueKind.Number: text.Write(value.GetRawText()); break;
            case JsonValueKind.True: text.Write("True"u8); break;
            case JsonValueKind.False: text.Write("False"u8); break;
            case JsonValueKind.Null: text.Write("None"u8); break;
            case JsonValueKind.Array:
                text.Write("["u8);
                var first = true;
                foreach (var item in value.EnumerateArray())
                {
                    if (!first) text.Write(", "u8);
                    first = false;
                    Repr(item, text);
                }
                text.Write("]"u8);
                break;
            default:
                text.Write("{"u8);
                var firstKey = true;
                foreach (var property in value.EnumerateObject())
                {
                    if (!firstKey) text.Write(", "u8);
                    firstKey = false;
                    Repr(property.Name, text);
                    text.Write(": "u8);
                    Repr(property.Value, text);
                }
                text.Write("}"u8);
                break;
        }
    }

    /// <summary>Python's repr() of a str, in UTF-8: single quotes unless only double quotes avoid escaping, printable characters kept.</summary>
    static void Repr(ReadOnlySpan<char> value, Bytes text)
    {
        if (!value.ContainsAnyExcept(PlainCharacters))
        {
            // Printable ASCII without quotes or backslashes, as most values are: written as it is, in single quotes.
            var room = text.Room(value.Length + 2);
            room[0] = room[value.Length + 1] = (byte)'\'';
            Ascii.FromUtf16(value, room[1..], out _);
            text.Length += value.Length + 2;
            return;
        }
        var quote = value.Contains('\'') && !value.Contains('"') ? '"' : '\'';
        Span<char> escape = stackalloc char[10];
        text.Write((byte)quote);
        foreach (var rune in value.EnumerateRunes())
        {
            var c = rune.Value;
            if (c < 0x7f && c >= 0x20 && c != quote && c != '\\')
            {
                text.Write((byte)c);
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
            text.Write(escape[..written]);
        }
        text.Write((byte)quote);
    }

    static readonly SearchValues<char> PlainCharacters =
        SearchValues.Create(" !#$%&()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~");

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

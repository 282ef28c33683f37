using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace IntelMQ.Core;

/// <summary>
/// Reads a DHO message as it is tokenised, as <see cref="EventJson.Read"/> does through a document: each key is
/// resolved to its field from its characters through a per-thread table, without a string per key or an
/// intermediate document, and <c>raw</c> is decoded from the UTF-8 base64 without a string for it.
/// </summary>
static class DhoReader
{
    const string Extra = "extra.", Custom = "custom.";
    // A message may bring any number of distinct extra.* keys: the table stops growing here.
    const int MaxNames = 4096;
    const int MaxNameLength = 256;

    /// <summary>A DHO key's IDF path and its field, or no path when the key is unknown.</summary>
    sealed record Name(string? Path, FieldHandle? Handle);

    sealed class Names(FieldCatalogue catalogue)
    {
        public readonly FieldCatalogue Catalogue = catalogue;
        public readonly Dictionary<string, Name> Table = new(StringComparer.Ordinal);
        public Dictionary<string, Name>.AlternateLookup<ReadOnlySpan<char>> Lookup => Table.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    [ThreadStatic] static Names? _names;

    public static Event Read(ReadOnlySpan<byte> utf8, FieldCatalogue catalogue)
    {
        var names = _names;
        if (names is null || !ReferenceEquals(names.Catalogue, catalogue)) _names = names = new Names(catalogue);
        var reader = new Utf8JsonReader(utf8, EventJson.ReaderOptions);
        reader.Read(); // the '{' StartsWithType saw
        var ev = new Event(MessageKind.Event, catalogue);
        Span<char> key = stackalloc char[MaxNameLength];
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("__type"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("Report"u8)) ev.Kind = MessageKind.Report;
                reader.Skip();
                continue;
            }
            if (reader.ValueTextEquals("raw"u8))
            {
                reader.Read();
                ev.Add(Event.OriginalField, Raw(ref reader));
                continue;
            }
            if (reader.ValueTextEquals("extra"u8))
            {
                var at = reader;
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var member = reader.GetString()!;
                        reader.Read();
                        ev.Add(Custom + member, Value(ref reader));
                    }
                    continue;
                }
                reader = at;
            }
            var name = Resolve(names, ref reader, key);
            reader.Read();
            var value = Value(ref reader);
            if (name.Handle is not null) ev.Add(name.Handle, value);
            else ev.Add(name.Path!, value); // a path the catalogue does not know: refused with Add's message
        }
        if (ev.Id is null) ev.AssignStableId();
        return ev;
    }

    static Name Resolve(Names names, ref Utf8JsonReader reader, scoped Span<char> key)
    {
        var length = reader.HasValueSequence ? MaxNameLength + 1 : reader.ValueSpan.Length;
        if (length <= MaxNameLength && !reader.ValueIsEscaped)
        {
            if (System.Text.Unicode.Utf8.ToUtf16(reader.ValueSpan, key, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done
                && names.Lookup.TryGetValue(key[..written], out var known))
                return known;
        }
        var text = reader.GetString()!;
        if (names.Table.TryGetValue(text, out var found)) return found;
        var path = text.StartsWith(EventJson.IdfPrefix, StringComparison.Ordinal) ? text[EventJson.IdfPrefix.Length..] : DhoMapping.ToIdf(text)
                   ?? throw new InvalidFieldException(text, EventJson.UnknownDhoField(text));
        var name = new Name(path, names.Catalogue.Handle(path));
        if (names.Table.Count < MaxNames) names.Table[text] = name;
        return name;
    }

    // What a JsonElement of the value would give Event.Add (FieldNormalizer.Unwrap), read from the token.
    static object? Value(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.TryGetInt64(out var l) ? (object)l : reader.GetDouble(),
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => JsonElement.ParseValue(ref reader),
    };

    static string Raw(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            throw new InvalidFieldException("raw", "invalid value for field 'raw': expected base64 text");
        }
        if (reader.ValueIsEscaped || reader.HasValueSequence) return EventJson.DecodeRaw(reader.GetString()!);
        var base64 = reader.ValueSpan;
        var bytes = ArrayPool<byte>.Shared.Rent(Base64.GetMaxDecodedFromUtf8Length(base64.Length));
        try
        {
            // Anything but plain base64 (white space in it, say) is left to the reader of the text, which decides.
            if (Base64.DecodeFromUtf8(base64, bytes, out _, out var written) != OperationStatus.Done)
                return EventJson.DecodeRaw(reader.GetString()!);
            return EventJson.DecodeText(bytes.AsSpan(0, written));
        }
        finally { ArrayPool<byte>.Shared.Return(bytes); }
    }
}

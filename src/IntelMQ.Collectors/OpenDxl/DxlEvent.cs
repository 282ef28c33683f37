using System.Buffers;
using System.Text;
using MessagePack;

namespace IntelMQ.Collectors.OpenDxl;

/// <summary>
/// A DXL event as a broker delivers it: msgpack values one after another, version, type (2: event), message id,
/// source client id, source broker id, broker ids, client ids and payload; from version 1 the other fields (a flat
/// array of names and values), from version 2 the source tenant and the destination tenants. The layout follows
/// opendxl-client-python's dxlclient/message.py (Apache-2.0); like it, a later version's trailing fields are ignored.
/// </summary>
public sealed record DxlEvent(string? MessageId, string? SourceClientId, byte[] Payload)
{
    const int EventType = 2;
    static readonly string[] TypeNames = ["request", "response", "event", "error response"];
    static readonly UTF8Encoding StrictUtf8 = new(false, true);

    /// <exception cref="InvalidDataException">Not msgpack as a DXL message is, or a DXL message other than an event (a request, a response, an error).</exception>
    public static DxlEvent Decode(ReadOnlySequence<byte> message)
    {
        var reader = new MessagePackReader(message);
        try
        {
            var version = reader.ReadInt32();
            var type = reader.ReadInt32();
            if (version < 0) throw new InvalidDataException($"not a DXL message: the version is {version}");
            if (type != EventType)
                throw new InvalidDataException(type is >= 0 and < EventType or EventType + 1
                    ? $"a DXL {TypeNames[type]} (type {type}), not an event: a service's messages are not reports"
                    : $"not a DXL message: the type is {type}, none of request (0), response (1), event (2) or error response (3)");
            var messageId = ReadText(ref reader);
            var sourceClientId = ReadText(ref reader);
            ReadText(ref reader);
            SkipTexts(ref reader);
            SkipTexts(ref reader);
            var payload = ReadPayload(ref reader);
            if (version >= 1) SkipTexts(ref reader);
            if (version >= 2)
            {
                ReadText(ref reader);
                SkipTexts(ref reader);
            }
            return new DxlEvent(messageId, sourceClientId, payload);
        }
        catch (Exception ex) when (ex is MessagePackSerializationException or EndOfStreamException or OverflowException or DecoderFallbackException)
        {
            throw new InvalidDataException($"not a DXL message: {ex.Message}", ex);
        }
    }

    // The Python client packs text as str or, with older msgpack, as bin; either is UTF-8.
    static string? ReadText(ref MessagePackReader reader) => reader.NextMessagePackType switch
    {
        MessagePackType.Nil when reader.TryReadNil() => null,
        MessagePackType.String => reader.ReadString(),
        MessagePackType.Binary => StrictUtf8.GetString(reader.ReadBytes()!.Value),
        var other => throw new InvalidDataException($"not a DXL message: a text field is a msgpack {other.ToString().ToLowerInvariant()}"),
    };

    // An array of texts (broker ids, client ids, other fields, tenants): its length is bounded by the message's.
    static void SkipTexts(ref MessagePackReader reader)
    {
        if (reader.NextMessagePackType != MessagePackType.Array)
            throw new InvalidDataException($"not a DXL message: a list field is a msgpack {reader.NextMessagePackType.ToString().ToLowerInvariant()}");
        for (var n = reader.ReadArrayHeader(); n > 0; n--) ReadText(ref reader);
    }

    static byte[] ReadPayload(ref MessagePackReader reader) => reader.NextMessagePackType switch
    {
        MessagePackType.Nil when reader.TryReadNil() => [],
        MessagePackType.Binary => reader.ReadBytes()!.Value.ToArray(),
        MessagePackType.String => reader.ReadStringSequence()!.Value.ToArray(),
        var other => throw new InvalidDataException($"not a DXL message: the payload is a msgpack {other.ToString().ToLowerInvariant()}"),
    };
}

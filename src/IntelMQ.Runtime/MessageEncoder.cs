using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>
/// Turns events into channel messages: one IDF packet per <c>packetSize</c> events, or one message per event
/// (NDJSON, IntelMQ DHO).
/// </summary>
public sealed class MessageEncoder(MessageFormat format, string producer, int packetSize = 500)
{
    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    readonly List<Event> _packet = [];
    readonly List<ReadOnlyMemory<byte>> _messages = [];

    public MessageFormat Format { get; } = format == MessageFormat.Auto ? MessageFormat.Idf : format;

    /// <summary>Events added and not yet taken.</summary>
    public int Pending { get; private set; }

    /// <summary>Bytes of the messages encoded and not yet taken (an IDF packet counts once it is closed).</summary>
    public long PendingBytes { get; private set; }

    public void Add(Event ev)
    {
        Pending++;
        if (Format != MessageFormat.Idf)
        {
            Keep(Encode(w => { if (Format == MessageFormat.Dho) EventJson.WriteDho(w, ev); else EventJson.WriteIdf(w, ev); }));
            return;
        }
        _packet.Add(ev);
        if (_packet.Count >= packetSize) ClosePacket();
    }

    /// <summary>The messages for everything added so far; the encoder starts empty again.</summary>
    public List<ReadOnlyMemory<byte>> Take()
    {
        if (_packet.Count > 0) ClosePacket();
        var messages = new List<ReadOnlyMemory<byte>>(_messages);
        _messages.Clear();
        Pending = 0;
        PendingBytes = 0;
        return messages;
    }

    void ClosePacket()
    {
        Keep(Encode(w => EventJson.WritePacket(w, new PacketMeta(producer, Clock.Now), _packet)));
        _packet.Clear();
    }

    void Keep(ReadOnlyMemory<byte> message)
    {
        _messages.Add(message);
        PendingBytes += message.Length;
    }

    static ReadOnlyMemory<byte> Encode(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, JsonOptions)) write(writer);
        return buffer.WrittenMemory;
    }
}

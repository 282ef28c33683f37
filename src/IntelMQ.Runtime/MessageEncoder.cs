using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Runtime;

/// <summary>
/// Turns events into channel messages: one IDF packet per <c>packetSize</c> events, or one message per event
/// (NDJSON, IntelMQ DHO). The messages of one take share one buffer and one JSON writer: nothing is allocated per event.
/// </summary>
public sealed class MessageEncoder
{
    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    readonly string _producer;
    readonly int _packetSize;
    readonly List<Event> _packet = [];
    readonly List<(int Start, int Length)> _messages = [];
    readonly Utf8JsonWriter _writer;
    ArrayBufferWriter<byte> _buffer = new(1 << 16);
    ArrayBufferWriter<byte>? _taken, _spare;

    public MessageEncoder(MessageFormat format, string producer, int packetSize = 500)
    {
        Format = format == MessageFormat.Auto ? MessageFormat.Idf : format;
        _producer = producer;
        _packetSize = packetSize;
        _writer = new Utf8JsonWriter(_buffer, JsonOptions);
    }

    public MessageFormat Format { get; }

    /// <summary>Events added and not yet taken.</summary>
    public int Pending { get; private set; }

    /// <summary>Bytes of the messages encoded and not yet taken (an IDF packet counts once it is closed).</summary>
    public long PendingBytes => _buffer.WrittenCount;

    public void Add(Event ev)
    {
        Pending++;
        if (Format == MessageFormat.Dho) Encode(ev, static (w, e) => EventJson.WriteDho(w, e));
        else if (Format == MessageFormat.Ndjson) Encode(ev, static (w, e) => EventJson.WriteIdf(w, e));
        else
        {
            _packet.Add(ev);
            if (_packet.Count >= _packetSize) ClosePacket();
        }
    }

    /// <summary>The messages for everything added so far; the encoder starts empty again with a buffer of its own.</summary>
    public List<ReadOnlyMemory<byte>> Take()
    {
        if (_packet.Count > 0) ClosePacket();
        var written = _buffer.WrittenMemory;
        var messages = new List<ReadOnlyMemory<byte>>(_messages.Count);
        foreach (var (start, length) in _messages) messages.Add(written.Slice(start, length));
        _messages.Clear();
        Pending = 0;
        // The taken messages keep their buffer until they are sent (Sent): fresh memory per take would cost page faults.
        _taken = _buffer;
        _buffer = _spare ?? new ArrayBufferWriter<byte>(Math.Max(1 << 16, written.Length));
        _spare = null;
        _writer.Reset(_buffer);
        return messages;
    }

    /// <summary>The messages of the last <see cref="Take"/> are sent: their buffer may be written again.</summary>
    public void Sent()
    {
        if (_taken is null) return;
        _taken.ResetWrittenCount();
        _spare = _taken;
        _taken = null;
    }

    void ClosePacket()
    {
        Encode(this, static (w, self) => EventJson.WritePacket(w, new PacketMeta(self._producer, Clock.Now), self._packet));
        _packet.Clear();
    }

    void Encode<TState>(TState state, Action<Utf8JsonWriter, TState> write)
    {
        var start = _buffer.WrittenCount;
        write(_writer, state);
        _writer.Flush();
        _writer.Reset();
        _messages.Add((start, _buffer.WrittenCount - start));
    }
}

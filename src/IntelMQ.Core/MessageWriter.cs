using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Core;

/// <summary>
/// Writes events to a stream, one JSON document per line: IDF packets of up to <c>packetSize</c> events,
/// bare IDF events (NDJSON) or IntelMQ DHO messages. Buffered; <see cref="Flush"/> makes it durable.
/// </summary>
public sealed class MessageWriter : IDisposable
{
    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    readonly Stream _stream;
    readonly MessageFormat _format;
    readonly string _producer;
    readonly TimeProvider _clock;
    readonly int _packetSize;
    readonly bool _fsync;
    readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    readonly Utf8JsonWriter _json;
    readonly List<Event> _packet = [];

    public MessageWriter(Stream stream, MessageFormat format, string producer, int packetSize = 500, bool fsync = false, TimeProvider? clock = null)
    {
        _stream = stream;
        _format = format == MessageFormat.Auto ? MessageFormat.Idf : format;
        _producer = producer;
        _clock = clock ?? TimeProvider.System;
        _packetSize = packetSize;
        _fsync = fsync;
        _json = new Utf8JsonWriter(_buffer, JsonOptions);
    }

    public long Written { get; private set; }

    public void Write(Event ev)
    {
        Written++;
        if (_format == MessageFormat.Idf)
        {
            _packet.Add(ev);
            if (_packet.Count >= _packetSize) WritePacket();
            return;
        }
        if (_format == MessageFormat.Dho) EventJson.WriteDho(_json, ev);
        else EventJson.WriteIdf(_json, ev);
        EndLine();
    }

    public void Flush()
    {
        if (_packet.Count > 0) WritePacket();
        Drain();
        _stream.Flush();
        if (_fsync && _stream is FileStream file) file.Flush(flushToDisk: true);
    }

    void WritePacket()
    {
        EventJson.WritePacket(_json, new PacketMeta(_producer, _clock.GetUtcNow()), _packet);
        _packet.Clear();
        EndLine();
    }

    void EndLine()
    {
        _json.Flush();
        _json.Reset();
        _buffer.GetSpan(1)[0] = (byte)'\n';
        _buffer.Advance(1);
        if (_buffer.WrittenCount >= 60 * 1024) Drain();
    }

    void Drain()
    {
        _stream.Write(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
    }

    public void Dispose()
    {
        Flush();
        _json.Dispose();
        _stream.Dispose();
    }
}

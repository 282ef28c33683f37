using System.Buffers;
using MessagePack;

namespace IntelMQ.Tests.Collectors;

/// <summary>DXL messages encoded as opendxl-client-python's Message._to_bytes encodes them (Apache-2.0): msgpack values one after another.</summary>
public static class DxlMessages
{
    public const int Request = 0, Event = 2;

    /// <summary>A message of <paramref name="type"/> in <paramref name="version"/>'s layout (0, 1 or 2) with <paramref name="payload"/> as msgpack bin.</summary>
    /// <param name="payloadAsStr">The payload as msgpack str, as the Python 2 client packs every byte string.</param>
    public static byte[] Encode(byte[] payload, int type = Event, int version = 2, string messageId = "{5c6a2c3e-0d3c-4f4e-9a53-1b0d0e3c4a11}", bool payloadAsStr = false)
    {
        var buffer = new ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.Write(version);
        writer.Write(type);
        writer.Write(messageId);
        writer.Write("{client-atd}");
        writer.Write("{broker-1}");
        writer.WriteArrayHeader(0);
        writer.WriteArrayHeader(0);
        if (payloadAsStr) writer.WriteString(payload);
        else writer.Write(payload);
        if (type == Request)
        {
            writer.Write("/mcafee/client/reply");
            writer.Write("{service}");
        }
        if (version >= 1)
        {
            writer.WriteArrayHeader(2);
            writer.Write("atdVersion");
            writer.Write("4.4");
        }
        if (version >= 2)
        {
            writer.Write("{tenant}");
            writer.WriteArrayHeader(1);
            writer.Write("{tenant}");
        }
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }
}

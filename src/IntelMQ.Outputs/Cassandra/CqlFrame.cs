using System.Buffers.Binary;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>
/// One frame of the CQL native protocol v4 as a server sends it: a 9-byte header (version, flags, stream, opcode,
/// body length) and the body.
/// </summary>
public sealed record CqlFrame(byte Version, byte Flags, short Stream, CqlOpcode Opcode, byte[] Body)
{
    public const int HeaderLength = 9;

    /// <summary>The protocol's own limit on a frame's body (its section 2.5): a longer announcement is refused unread.</summary>
    public const int MaxBodyLength = 256 << 20;

    public const byte RequestVersion = 0x04, ResponseVersion = 0x84;
    public const byte TracingFlag = 0x02, CustomPayloadFlag = 0x04, WarningFlag = 0x08, CompressionFlag = 0x01;

    /// <summary>The next frame on <paramref name="stream"/>, or null when the connection ended between frames.</summary>
    /// <exception cref="EndOfStreamException">The connection ended inside a frame.</exception>
    /// <exception cref="InvalidDataException">The header is not a CQL response's, or announces more than <see cref="MaxBodyLength"/> bytes.</exception>
    public static async Task<CqlFrame?> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderLength];
        var read = await stream.ReadAtLeastAsync(header, HeaderLength, throwOnEndOfStream: false, cancellationToken);
        if (read == 0) return null;
        if (read < HeaderLength) throw new EndOfStreamException($"the connection ended inside a frame header ({read} of {HeaderLength} bytes)");
        if ((header[0] & 0x80) == 0) throw new InvalidDataException($"the server sent a frame with version byte 0x{header[0]:X2}, which is not a CQL response");
        var length = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(5));
        if (length is < 0 or > MaxBodyLength)
            throw new InvalidDataException($"the server announced a frame of {(uint)length} bytes; the CQL protocol allows at most {MaxBodyLength} (256 MiB)");
        // Grown as bytes arrive, so that a false announcement costs no more memory than what was really sent.
        var body = new byte[Math.Min(length, 1 << 16)];
        for (var filled = 0; filled < length;)
        {
            if (filled == body.Length) Array.Resize(ref body, (int)Math.Min(length, 2L * body.Length));
            var n = await stream.ReadAsync(body.AsMemory(filled, body.Length - filled), cancellationToken);
            if (n == 0) throw new EndOfStreamException($"the connection ended inside a frame body ({filled} of {length} bytes)");
            filled += n;
        }
        return new CqlFrame(header[0], header[1], BinaryPrimitives.ReadInt16BigEndian(header.AsSpan(2)), (CqlOpcode)header[4], body);
    }

    /// <summary>A reader of the body's message, past the tracing id, warnings and custom payload a response may carry first.</summary>
    /// <param name="warnings">The server's warnings (a batch above its warning size), empty when it gave none.</param>
    public CqlBodyReader Message(out IReadOnlyList<string> warnings)
    {
        var reader = new CqlBodyReader(Body);
        if ((Flags & CompressionFlag) != 0) throw new InvalidDataException("the server sent a compressed frame, though no compression was agreed");
        if ((Flags & TracingFlag) != 0) reader.Skip(16, "a tracing id");
        warnings = (Flags & WarningFlag) != 0 ? reader.StringList() : [];
        if ((Flags & CustomPayloadFlag) != 0) reader.SkipBytesMap();
        return reader;
    }
}

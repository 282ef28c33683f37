using System.Buffers.Binary;
using System.Text;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>
/// Writes a request frame: the notations of the CQL protocol (its section 3) into a growing buffer that keeps room for
/// the 9-byte header, filled in by <see cref="Frame"/>.
/// </summary>
public sealed class CqlWriter
{
    byte[] _buffer = new byte[1024];
    int _length = CqlFrame.HeaderLength;

    /// <summary>What was written after the header: a body, or the values of a row kept for a later batch.</summary>
    public ReadOnlySpan<byte> Body => _buffer.AsSpan(CqlFrame.HeaderLength, _length - CqlFrame.HeaderLength);

    public int BodyLength => _length - CqlFrame.HeaderLength;

    public CqlWriter Reset()
    {
        _length = CqlFrame.HeaderLength;
        return this;
    }

    /// <summary>Where the body is now, to go back to with <see cref="Rewind"/> (a value that could not be written).</summary>
    public int Mark => _length;

    public void Rewind(int mark) => _length = mark;

    public CqlWriter Byte(byte value)
    {
        Reserve(1)[0] = value;
        return this;
    }

    public CqlWriter Short(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);
        return this;
    }

    public CqlWriter Int(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);
        return this;
    }

    public CqlWriter Long(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);
        return this;
    }

    /// <exception cref="ArgumentException">The text is longer than a [string] can say (65535 bytes).</exception>
    public CqlWriter String(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        if (length > ushort.MaxValue) throw new ArgumentException($"a CQL [string] holds at most {ushort.MaxValue} bytes, not {length}", nameof(value));
        Short((ushort)length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
        return this;
    }

    public CqlWriter LongString(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Int(length);
        Encoding.UTF8.GetBytes(value, Reserve(length));
        return this;
    }

    public CqlWriter Bytes(ReadOnlySpan<byte> value)
    {
        Int(value.Length);
        value.CopyTo(Reserve(value.Length));
        return this;
    }

    public CqlWriter ShortBytes(ReadOnlySpan<byte> value)
    {
        Short(checked((ushort)value.Length));
        value.CopyTo(Reserve(value.Length));
        return this;
    }

    /// <summary>A [value] that leaves the column as it is (protocol v4's "not set"): no tombstone, unlike null.</summary>
    public CqlWriter Unset() => Int(-2);

    public CqlWriter Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        return this;
    }

    public CqlWriter StringMap(IReadOnlyList<KeyValuePair<string, string>> map)
    {
        Short(checked((ushort)map.Count));
        foreach (var (key, value) in map) String(key).String(value);
        return this;
    }

    /// <summary>Room for <paramref name="length"/> bytes at the end of the body, to be written by the caller.</summary>
    public Span<byte> Reserve(int length)
    {
        if (_length + length > _buffer.Length) Array.Resize(ref _buffer, (int)Math.Max(_length + (long)length, Math.Min(2L * _buffer.Length, Array.MaxLength)));
        var span = _buffer.AsSpan(_length, length);
        _length += length;
        return span;
    }

    /// <summary>The request frame: the v4 request header for <paramref name="opcode"/> on <paramref name="stream"/>, then the body.</summary>
    public ReadOnlyMemory<byte> Frame(CqlOpcode opcode, short stream)
    {
        var header = _buffer.AsSpan(0, CqlFrame.HeaderLength);
        header[0] = CqlFrame.RequestVersion;
        header[1] = 0;
        BinaryPrimitives.WriteInt16BigEndian(header[2..], stream);
        header[4] = (byte)opcode;
        BinaryPrimitives.WriteInt32BigEndian(header[5..], BodyLength);
        return _buffer.AsMemory(0, _length);
    }
}

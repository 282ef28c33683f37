using System.Buffers.Binary;
using System.Text;

namespace IntelMQ.Outputs.Cassandra;

/// <summary>
/// Reads the notations of the CQL protocol (its section 3) from a frame body. Every length is checked against what is
/// left, so a truncated or lying body ends in <see cref="InvalidDataException"/>, never in a large allocation.
/// </summary>
public ref struct CqlBodyReader
{
    readonly ReadOnlySpan<byte> _body;
    int _position;

    public CqlBodyReader(ReadOnlySpan<byte> body)
    {
        _body = body;
        _position = 0;
    }

    public readonly int Remaining => _body.Length - _position;

    public byte Byte() => Take(1, "a [byte]")[0];

    public ushort Short() => BinaryPrimitives.ReadUInt16BigEndian(Take(2, "a [short]"));

    public int Int() => BinaryPrimitives.ReadInt32BigEndian(Take(4, "an [int]"));

    public string String() => Encoding.UTF8.GetString(Take(Short(), "a [string]"));

    public string LongString() => Encoding.UTF8.GetString(Take(Int(), "a [long string]"));

    /// <summary>A [bytes]: null when its length is negative.</summary>
    public ReadOnlySpan<byte> Bytes(out bool isNull)
    {
        var length = Int();
        isNull = length < 0;
        return isNull ? default : Take(length, "a [bytes]");
    }

    public ReadOnlySpan<byte> ShortBytes() => Take(Short(), "a [short bytes]");

    public List<string> StringList()
    {
        var count = Short();
        var list = new List<string>(Math.Min((int)count, Remaining / 2));
        for (var i = 0; i < count; i++) list.Add(String());
        return list;
    }

    public Dictionary<string, List<string>> StringMultimap()
    {
        var count = Short();
        var map = new Dictionary<string, List<string>>(Math.Min((int)count, Remaining / 4), StringComparer.Ordinal);
        for (var i = 0; i < count; i++) map[String()] = StringList();
        return map;
    }

    public void SkipBytesMap()
    {
        var count = Short();
        for (var i = 0; i < count; i++)
        {
            String();
            Bytes(out _);
        }
    }

    public void Skip(int length, string what) => Take(length, what);

    /// <summary>
    /// Reads a column type (an [option] of section 4.2.5.2) and returns its id; the types inside a list, map, set,
    /// UDT or tuple are read past with a stack of what is still to come, not by recursion, however deep they nest.
    /// </summary>
    public ushort Type()
    {
        var top = Short();
        var pending = new Stack<bool>(); // true: a UDT field, whose name comes before its type
        Nested(top, pending);
        while (pending.Count > 0)
        {
            if (pending.Pop()) String();
            Nested(Short(), pending);
        }
        return top;
    }

    void Nested(ushort type, Stack<bool> pending)
    {
        switch (type)
        {
            case CqlType.Custom:
                String();
                break;
            case CqlType.List or CqlType.Set:
                pending.Push(false);
                break;
            case CqlType.Map:
                pending.Push(false);
                pending.Push(false);
                break;
            case CqlType.Udt:
                String();
                String();
                Push(Short(), true, 4, pending);
                break;
            case CqlType.Tuple:
                Push(Short(), false, 2, pending);
                break;
        }
    }

    // Each pending type takes at least its 2-byte id (a UDT field 4 with its name): a count the body cannot hold is refused before anything is pushed.
    void Push(int count, bool fields, int leastBytes, Stack<bool> pending)
    {
        if ((long)count * leastBytes > Remaining) throw Truncated($"a type of {count} components");
        for (var i = 0; i < count; i++) pending.Push(fields);
    }

    ReadOnlySpan<byte> Take(int length, string what)
    {
        if (length < 0 || length > Remaining) throw Truncated(what);
        var span = _body.Slice(_position, length);
        _position += length;
        return span;
    }

    readonly InvalidDataException Truncated(string what) =>
        new($"a CQL message ends inside {what} at byte {_position} of {_body.Length}");
}

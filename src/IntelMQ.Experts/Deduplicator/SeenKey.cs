using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// The key of a mark: a SHA-256 digest (IntelMQ's message hash), held as four words so that a million marks are not a
/// million strings, or a text (the event-identity expert's <c>id:&lt;event.id&gt;</c>). A text that spells a digest in
/// lower-case hex is that digest, so a key read back from a file or Redis equals the one it was written from.
/// </summary>
readonly struct SeenKey : IEquatable<SeenKey>
{
    const int DigestLength = 32;

    readonly ulong _a, _b, _c, _d;
    readonly string? _text;

    public SeenKey(ReadOnlySpan<byte> digest)
    {
        _a = BinaryPrimitives.ReadUInt64BigEndian(digest);
        _b = BinaryPrimitives.ReadUInt64BigEndian(digest[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(digest[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(digest[24..]);
    }

    SeenKey(string text) => _text = text;

    public static SeenKey Parse(string text)
    {
        Span<byte> digest = stackalloc byte[DigestLength];
        return text.Length == 2 * DigestLength && !text.AsSpan().ContainsAnyExcept("0123456789abcdef")
            && Convert.FromHexString(text, digest, out _, out _) == OperationStatus.Done ? new SeenKey(digest) : new SeenKey(text);
    }

    public bool Equals(SeenKey other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d && _text == other._text;

    public override bool Equals(object? obj) => obj is SeenKey other && Equals(other);

    // A digest's bits are uniform: its first word is hash enough.
    public override int GetHashCode() => _text?.GetHashCode(StringComparison.Ordinal) ?? (int)_a;

    /// <summary>The key's first 16 hex digits (a text key whole): enough to tell keys apart in a log line.</summary>
    public string Head => _text ?? _a.ToString("x16", CultureInfo.InvariantCulture);

    public override string ToString()
    {
        if (_text is not null) return _text;
        Span<byte> digest = stackalloc byte[DigestLength];
        return Convert.ToHexStringLower(Digest(digest));
    }

    /// <summary>Writes the key as <see cref="ToString"/> spells it, in UTF-8, without a string in between.</summary>
    public void WriteTo(ArrayBufferWriter<byte> utf8)
    {
        if (_text is not null)
        {
            Encoding.UTF8.GetBytes(_text, utf8);
            return;
        }
        Span<byte> digest = stackalloc byte[DigestLength];
        Convert.TryToHexStringLower(Digest(digest), utf8.GetSpan(2 * DigestLength), out var written);
        utf8.Advance(written);
    }

    Span<byte> Digest(Span<byte> digest)
    {
        BinaryPrimitives.WriteUInt64BigEndian(digest, _a);
        BinaryPrimitives.WriteUInt64BigEndian(digest[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(digest[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(digest[24..], _d);
        return digest;
    }
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace IntelMQ.Core;

/// <summary>
/// Derives an event's stable id (docs/idf.md, "Event identity"): a UUIDv5 in <see cref="Event.IdNamespace"/> over the
/// event's feed, its original record if it has one, and a fixed list of identifying fields.
/// </summary>
static class StableIds
{
    const string Provider = "feed.provider", Feed = "feed.name";

    // Fields the usual experts do not fill (no taxonomy, geolocation, AS, abuse contact); in ordinal order.
    internal static readonly string[] Identifying =
    [
        "@timestamp", "classification.identifier", "destination.domain", "destination.ip", "destination.port", "destination.url.full",
        "event.sequence", "file.hash.md5", "file.hash.sha1", "file.hash.sha256", "file.hash.sha512", "network.protocol", "network.transport",
        "source.domain", "source.ip", "source.port", "source.url.full", "source.user.email", "source.user.name", "threat.software.name",
    ];

    static readonly HashSet<string> Inputs = [Provider, Feed, Event.OriginalField, .. Identifying];

    static readonly byte[] NamespaceBytes = Event.IdNamespace.ToByteArray(bigEndian: true);

    [ThreadStatic] static byte[]? _name;
    [ThreadStatic] static ReportPrefix? _prefix;

    /// <summary>Whether a field's value goes into the stable id, so that changing it changes the id.</summary>
    public static bool IsInput(string path) => Inputs.Contains(path);

    /// <summary>The field's place in <see cref="Identifying"/>, or -1.</summary>
    public static int Rank(string path) => Array.IndexOf(Identifying, path);

    public static string Compute(Event ev)
    {
        var entries = ev.Entries;
        object? provider = null, feed = null, original = null;
        // Found in one pass, hashed in the list's order: an event read back from DHO has its fields in another order.
        Span<int> identifying = stackalloc int[Identifying.Length];
        identifying.Fill(-1);
        for (var i = 0; i < entries.Length; i++)
        {
            var placement = entries[i].Placement;
            if (placement.IdentityRank >= 0) identifying[placement.IdentityRank] = i;
            else if (placement.IsIdentityInput)
            {
                var key = placement.Path;
                if (key == Provider) provider = entries[i].Value;
                else if (key == Feed) feed = entries[i].Value;
                else if (key == Event.OriginalField) original = entries[i].Value;
            }
        }
        var name = new NameBuilder(_name ??= new byte[4096]);
        name.Bytes(NamespaceBytes);
        if (provider is not null) name.Field(Provider, provider);
        if (feed is not null) name.Field(Feed, feed);
        if (original is Event.JoinedText joined)
        {
            // The events of a report share the head of their original (the CSV header): encoded once per report. Copying
            // a hash state after it (a native context) measured no faster than hashing it again per event.
            name.Field(Event.OriginalField, "");
            var prefix = _prefix;
            if (prefix is null || !prefix.Matches(joined.Head, name.Written))
                _prefix = prefix = new ReportPrefix(joined.Head, name.Written.ToArray());
            name.Clear();
            name.Bytes(prefix.Bytes);
            name.Text(joined.Tail);
        }
        else if (original is not null)
        {
            name.Field(Event.OriginalField, original);
        }
        // Also with an original: one record can give several events (a domain and its URL, one per port), and an
        // output that keys on the id (Elasticsearch's _id) must not let one overwrite another.
        foreach (var i in identifying)
            if (i >= 0 && entries[i].Value is { } value)
                name.Field(entries[i].Key, value);
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(name.Written, hash);
        _name = name.Buffer.Length > 1 << 20 ? null : name.Buffer; // one huge original does not pin its buffer
        return Uuid5(hash);
    }

    static string Uuid5(Span<byte> sha1)
    {
        sha1[6] = (byte)(0x50 | (sha1[6] & 0x0F)); // version 5
        sha1[8] = (byte)(0x80 | (sha1[8] & 0x3F)); // RFC 9562 variant
        return new Guid(sha1[..16], bigEndian: true).ToString("D");
    }

    /// <summary>The start of the name the events of a report share: the namespace, the feed and the head of the original.</summary>
    sealed class ReportPrefix(string head, byte[] feed)
    {
        public byte[] Bytes { get; } = [.. feed, .. Encoding.UTF8.GetBytes(head)];

        public bool Matches(string other, ReadOnlySpan<byte> otherFeed) => ReferenceEquals(other, head) && otherFeed.SequenceEqual(feed);
    }

    /// <summary>The UTF-8 name the UUID is made from: <c>path=value</c> per field, joined by U+0000.</summary>
    ref struct NameBuilder(byte[] buffer)
    {
        int _length;
        public byte[] Buffer = buffer;

        public readonly ReadOnlySpan<byte> Written => Buffer.AsSpan(0, _length);

        public void Clear() => _length = 0;

        public void Field(string path, object value)
        {
            if (_length > NamespaceBytes.Length) Byte(0);
            Text(path);
            Byte((byte)'=');
            switch (value)
            {
                case string s: Text(s); break;
                case Event.JoinedText j: Text(j.Head); Text(j.Tail); break;
                case double d:
                    Reserve(PythonFloat.MaxLength);
                    _length += PythonFloat.Format(d, Buffer.AsSpan(_length));
                    break;
                case bool b: Text(b ? "true" : "false"); break;
                case IUtf8SpanFormattable f:
                    Reserve(64);
                    if (f.TryFormat(Buffer.AsSpan(_length), out var written, default, CultureInfo.InvariantCulture))
                    {
                        _length += written;
                        break;
                    }
                    goto default;
                default: Text(Convert.ToString(value, CultureInfo.InvariantCulture) ?? ""); break;
            }
        }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            Reserve(bytes.Length);
            bytes.CopyTo(Buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        public void Text(string text)
        {
            Reserve(Encoding.UTF8.GetMaxByteCount(text.Length));
            _length += Encoding.UTF8.GetBytes(text, Buffer.AsSpan(_length));
        }

        void Byte(byte b)
        {
            Reserve(1);
            Buffer[_length++] = b;
        }

        void Reserve(int size)
        {
            if (_length + size > Buffer.Length) Array.Resize(ref Buffer, Math.Max(Buffer.Length * 2, _length + size));
        }
    }
}

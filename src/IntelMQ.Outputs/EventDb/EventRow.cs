using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Core;
using NpgsqlTypes;

namespace IntelMQ.Outputs.EventDb;

/// <summary>
/// An event as a row of the staging table: its columns, the values of the reference rows it points to (keyed by a
/// UUID derived from those values), and the remaining fields as jsonb (custom.* in <c>custom</c>, the others in
/// <c>attributes</c>, by IDF path).
/// </summary>
internal static class EventRow
{
    const string CustomPrefix = "custom.";
    public const int Ord = 0, Id = 1, Time = 2, TimeSource = 3, TimeObservation = 4, Original = 40, Custom = 41, Attributes = 42;

    public static readonly StagingColumn[] Columns =
    [
        new("ord", "integer", NpgsqlDbType.Integer),
        new("id", "uuid", NpgsqlDbType.Uuid),
        new("time", "timestamptz", NpgsqlDbType.TimestampTz),
        new("time_source", "timestamptz", NpgsqlDbType.TimestampTz, "@timestamp"),
        new("time_observation", "timestamptz", NpgsqlDbType.TimestampTz, "event.created"),
        new("feed_id", "uuid", NpgsqlDbType.Uuid),
        new("feed_name", "text", NpgsqlDbType.Text, "feed.name"),
        new("feed_provider", "text", NpgsqlDbType.Text, "feed.provider"),
        new("feed_accuracy", "real", NpgsqlDbType.Real, "feed.accuracy"),
        new("feed_code", "text", NpgsqlDbType.Text, "feed.code"),
        new("feed_documentation", "text", NpgsqlDbType.Text, "feed.documentation"),
        new("feed_url", "text", NpgsqlDbType.Text, "feed.url"),
        new("classification_id", "uuid", NpgsqlDbType.Uuid),
        new("classification_taxonomy", "text", NpgsqlDbType.Text, "classification.taxonomy"),
        new("classification_type", "text", NpgsqlDbType.Text, "classification.type"),
        new("classification_identifier", "text", NpgsqlDbType.Text, "classification.identifier"),
        new("source_ip", "inet", NpgsqlDbType.Inet, "source.ip"),
        new("source_port", "integer", NpgsqlDbType.Integer, "source.port"),
        new("source_fqdn", "text", NpgsqlDbType.Text, "source.domain"),
        new("source_url", "text", NpgsqlDbType.Text, "source.url.full"),
        new("source_network_id", "uuid", NpgsqlDbType.Uuid),
        new("source_asn", "bigint", NpgsqlDbType.Bigint, "source.as.number"),
        new("source_as_name", "text", NpgsqlDbType.Text, "source.as.organization.name"),
        new("source_network", "inet", NpgsqlDbType.Inet, "source.network"),
        new("source_registry", "text", NpgsqlDbType.Text, "source.registry"),
        new("source_country", "text", NpgsqlDbType.Text, "source.geo.country_iso_code"),
        new("source_contact_id", "uuid", NpgsqlDbType.Uuid),
        new("source_abuse_contact", "text", NpgsqlDbType.Text, "source.abuse_contact"),
        new("destination_ip", "inet", NpgsqlDbType.Inet, "destination.ip"),
        new("destination_port", "integer", NpgsqlDbType.Integer, "destination.port"),
        new("destination_fqdn", "text", NpgsqlDbType.Text, "destination.domain"),
        new("destination_url", "text", NpgsqlDbType.Text, "destination.url.full"),
        new("destination_network_id", "uuid", NpgsqlDbType.Uuid),
        new("destination_asn", "bigint", NpgsqlDbType.Bigint, "destination.as.number"),
        new("destination_as_name", "text", NpgsqlDbType.Text, "destination.as.organization.name"),
        new("destination_network", "inet", NpgsqlDbType.Inet, "destination.network"),
        new("destination_registry", "text", NpgsqlDbType.Text, "destination.registry"),
        new("destination_country", "text", NpgsqlDbType.Text, "destination.geo.country_iso_code"),
        new("destination_contact_id", "uuid", NpgsqlDbType.Uuid),
        new("destination_abuse_contact", "text", NpgsqlDbType.Text, "destination.abuse_contact"),
        new("original", "text", NpgsqlDbType.Text, Event.OriginalField),
        new("custom", "jsonb", NpgsqlDbType.Jsonb),
        new("attributes", "jsonb", NpgsqlDbType.Jsonb),
    ];

    /// <summary>Reference rows: the key column, then the columns whose values it is derived from.</summary>
    static readonly (string Kind, int Key, int First, int Count)[] References =
    [
        ("feed", 5, 6, 6),
        ("classification", 12, 13, 3),
        ("network", 20, 21, 5),
        ("contact", 26, 27, 1),
        ("network", 32, 33, 5),
        ("contact", 38, 39, 1),
    ];

    static readonly Dictionary<string, int> Slots = Columns.Select((c, i) => (c.Field, i)).Where(x => x.Field is not null).ToDictionary(x => x.Field!, x => x.i, StringComparer.Ordinal);

    static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The staging values of an event, or why it cannot be stored.</summary>
    public static object?[]? Create(Event ev, int index, out string? error)
    {
        error = null;
        var row = new object?[Columns.Length];
        row[Ord] = index;
        var custom = new ArrayBufferWriter<byte>();
        var attributes = new ArrayBufferWriter<byte>();
        using var customJson = new Utf8JsonWriter(custom, JsonOptions);
        using var attributesJson = new Utf8JsonWriter(attributes, JsonOptions);
        var keys = new string?[Columns.Length];
        foreach (var (path, value) in ev.Fields)
        {
            if (value is null || path == Event.IdField) continue;
            if (path.StartsWith(CustomPrefix, StringComparison.Ordinal))
            {
                if (customJson.CurrentDepth == 0) customJson.WriteStartObject();
                customJson.WritePropertyName(path.AsSpan(CustomPrefix.Length));
                EventJson.WriteValue(customJson, value);
                continue;
            }
            if (!Slots.TryGetValue(path, out var slot))
            {
                if (attributesJson.CurrentDepth == 0) attributesJson.WriteStartObject();
                attributesJson.WritePropertyName(path);
                EventJson.WriteValue(attributesJson, value);
                continue;
            }
            row[slot] = Convert(value, Columns[slot].Type);
            if (row[slot] is null)
            {
                error = $"{path}: {PythonJson.Text(value)} is not a valid {Columns[slot].SqlType}";
                return null;
            }
            keys[slot] = Key(value);
        }
        var time = row[TimeSource] ?? row[TimeObservation];
        if (time is null)
        {
            error = "the event has neither time.source (@timestamp) nor time.observation (event.created), one of which decides its partition";
            return null;
        }
        row[Time] = time;
        row[Id] = Guid.Parse(ev.Id ?? ev.StableId());
        if (customJson.CurrentDepth > 0) row[Custom] = End(customJson, custom);
        if (attributesJson.CurrentDepth > 0) row[Attributes] = End(attributesJson, attributes);
        foreach (var (kind, key, first, count) in References) row[key] = ReferenceKey(kind, keys.AsSpan(first, count));
        return row;
    }

    static string End(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer)
    {
        writer.WriteEndObject();
        writer.Flush();
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static object? Convert(object value, NpgsqlDbType type) => type switch
    {
        NpgsqlDbType.Text => value as string ?? PythonJson.Text(value),
        NpgsqlDbType.TimestampTz => value is string s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t.UtcDateTime : null,
        NpgsqlDbType.Real => value switch { long l => (float)l, double d => (float)d, _ => null },
        NpgsqlDbType.Integer => value is long l && l is >= int.MinValue and <= int.MaxValue ? (int)l : null,
        NpgsqlDbType.Bigint => value as long?,
        NpgsqlDbType.Inet => Inet(value as string),
        _ => null,
    };

    static NpgsqlInet? Inet(string? text)
    {
        if (text is null) return null;
        var slash = text.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address)) return null;
        var maximum = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (slash < 0) return new NpgsqlInet(address, (byte)maximum);
        return byte.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits <= maximum
            ? new NpgsqlInet(address, bits) : (NpgsqlInet?)null;
    }

    static string Key(object value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        _ => PythonJson.Text(value),
    };

    /// <summary>A name-based UUID (SHA-1, version 5 layout) of the reference's values; null when it has none.</summary>
    static Guid? ReferenceKey(string kind, ReadOnlySpan<string?> values)
    {
        var name = new StringBuilder(kind);
        var any = false;
        foreach (var value in values)
        {
            // U+0001 marks an absent value, so that ("a", null) and (null, "a") differ.
            name.Append('\0').Append(value ?? "\u0001");
            any |= value is not null;
        }
        if (!any) return null;
        Span<byte> hash = stackalloc byte[20];
        SHA1.HashData(Encoding.UTF8.GetBytes(name.ToString()), hash);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash[..16], bigEndian: true);
    }

    /// <summary>The first instant of the partition a time falls into, as PostgreSQL's date_trunc computes it in UTC.</summary>
    public static DateTime PeriodStart(DateTime utc, PartitionInterval interval) => interval switch
    {
        PartitionInterval.Day => utc.Date,
        PartitionInterval.Week => utc.Date.AddDays(-(((int)utc.DayOfWeek + 6) % 7)),
        PartitionInterval.Month => new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc),
        _ => new DateTime(utc.Year, 1, 1, 0, 0, 0, DateTimeKind.Utc),
    };

    public static DateTime NextPeriod(DateTime start, PartitionInterval interval) => interval switch
    {
        PartitionInterval.Day => start.AddDays(1),
        PartitionInterval.Week => start.AddDays(7),
        PartitionInterval.Month => start.AddMonths(1),
        _ => start.AddYears(1),
    };
}

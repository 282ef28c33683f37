using System.Globalization;
using System.Net;
using NpgsqlTypes;

namespace IntelMQ.Outputs.Sql;

/// <summary>
/// A column of the target table and how a value of an IntelMQ row becomes its binary COPY value, as PostgreSQL would
/// have read the literal psycopg2 sends for it in IntelMQ's INSERT.
/// </summary>
/// <param name="HasDefault">A default, identity or generated value: a row without the field must not name the column.</param>
internal sealed record PostgresColumn(string Name, string TypeName, NpgsqlDbType? DbType, bool HasDefault)
{
    /// <summary>The binary COPY type for a type of pg_type (udt names), or null when this output cannot write it.</summary>
    public static NpgsqlDbType? Type(string udtName) => udtName switch
    {
        "text" or "varchar" or "bpchar" or "name" or "citext" => NpgsqlDbType.Text,
        "int2" => NpgsqlDbType.Smallint,
        "int4" => NpgsqlDbType.Integer,
        "int8" => NpgsqlDbType.Bigint,
        "float4" => NpgsqlDbType.Real,
        "float8" => NpgsqlDbType.Double,
        "numeric" => NpgsqlDbType.Numeric,
        "bool" => NpgsqlDbType.Boolean,
        "inet" => NpgsqlDbType.Inet,
        "cidr" => NpgsqlDbType.Cidr,
        "timestamptz" => NpgsqlDbType.TimestampTz,
        "timestamp" => NpgsqlDbType.Timestamp,
        "date" => NpgsqlDbType.Date,
        "json" => NpgsqlDbType.Json,
        "jsonb" => NpgsqlDbType.Jsonb,
        "uuid" => NpgsqlDbType.Uuid,
        _ => null,
    };

    /// <summary>The value to COPY, or the reason PostgreSQL would refuse it (its own words where it has them).</summary>
    public object Convert(object value, out string? error)
    {
        error = null;
        var converted = DbType switch
        {
            NpgsqlDbType.Text => Text(value),
            NpgsqlDbType.Json or NpgsqlDbType.Jsonb => value as string ?? PythonJson.Text(value),
            NpgsqlDbType.Smallint => Whole(value, short.MinValue, short.MaxValue) is { } s ? (object)(short)s : null,
            NpgsqlDbType.Integer => Whole(value, int.MinValue, int.MaxValue) is { } i ? (int)i : null,
            NpgsqlDbType.Bigint => Whole(value, long.MinValue, long.MaxValue),
            NpgsqlDbType.Real => Number(value) is { } f ? (float)f : null,
            NpgsqlDbType.Double => Number(value),
            NpgsqlDbType.Numeric => Number(value) is { } d && !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < 7.9e28 ? (decimal)d : null,
            NpgsqlDbType.Boolean => value switch
            {
                bool b => b,
                long l and (0 or 1) => l == 1,
                string s when bool.TryParse(s.Trim(), out var b) => b,
                _ => null,
            },
            NpgsqlDbType.Inet or NpgsqlDbType.Cidr => Inet(value as string),
            NpgsqlDbType.TimestampTz => Time(value as string) is { } t ? t.UtcDateTime : null,
            // timestamp without time zone reads the clock time as written and ignores the offset.
            NpgsqlDbType.Timestamp => Time(value as string) is { } t ? DateTime.SpecifyKind(t.DateTime, DateTimeKind.Unspecified) : null,
            NpgsqlDbType.Date => Time(value as string) is { } t ? DateOnly.FromDateTime(t.DateTime) : null,
            NpgsqlDbType.Uuid => Guid.TryParse(value as string, out var g) ? g : null,
            _ => null,
        };
        if (converted is null)
            error = DbType is null
                ? $"column \"{Name}\" has type {TypeName}, which sql-output cannot write"
                : $"invalid input for type {TypeName} in column \"{Name}\": {PythonJson.Text(value)}";
        return converted ?? DBNull.Value;
    }

    static string Text(object value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false", // as PostgreSQL casts the boolean psycopg2 sends
        _ => PythonJson.Text(value),
    };

    /// <summary>An integer as PostgreSQL assigns a numeric literal to an integer column: rounded half away from zero, range-checked.</summary>
    static long? Whole(object value, long min, long max)
    {
        double? n = value switch
        {
            long l => l,
            double d => Math.Round(d, MidpointRounding.AwayFromZero),
            string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
            _ => null,
        };
        if (value is long exact) return exact >= min && exact <= max ? exact : null;
        return n is { } v && v >= min && v <= max ? (long)v : null;
    }

    static double? Number(object value) => value switch
    {
        long l => l,
        double d => d,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    static NpgsqlInet? Inet(string? text)
    {
        if (text is null) return null;
        var slash = text.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? text : text[..slash], out var address)) return null;
        var maximum = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 128 : 32;
        if (slash < 0) return new NpgsqlInet(address, (byte)maximum);
        return byte.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits <= maximum
            ? new NpgsqlInet(address, bits) : (NpgsqlInet?)null;
    }

    static DateTimeOffset? Time(string? text) =>
        text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;
}

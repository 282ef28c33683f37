using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Core;

/// <summary>
/// Validates and normalises one value for its field type. Values are held as string, long, double, bool,
/// a list of values (array fields) or a <see cref="JsonNode"/> (json fields). Every failure is an
/// <see cref="InvalidFieldException"/> that names the field, the value and what was expected.
/// </summary>
public static class FieldNormalizer
{
    static readonly IdnMapping Idn = new() { AllowUnassigned = true, UseStd3AsciiRules = false };
    static readonly string[] TlpLevels = ["CLEAR", "WHITE", "GREEN", "AMBER", "AMBER+STRICT", "RED"];
    static readonly string[] Registries = ["AFRINIC", "APNIC", "ARIN", "LACNIC", "RIPE"];
    static readonly string[] LinkTypes = ["parent", "child", "same-report", "duplicate-of"];

    public static object Normalize(FieldDefinition field, object value)
    {
        if (!field.IsArray) return NormalizeScalar(field, value);
        value = Unwrap(value) ?? throw Invalid(field, value, "a value, not null");
        var items = new List<object>();
        if (value is string or JsonObject or not System.Collections.IEnumerable) items.Add(NormalizeScalar(field, value));
        else
            foreach (var item in (System.Collections.IEnumerable)value)
                if (item is not null && Unwrap(item) is { } v && !(v is string s && s.Length == 0))
                    items.Add(NormalizeScalar(field, v));
        return items;
    }

    static object NormalizeScalar(FieldDefinition field, object value)
    {
        if (value is not (string or long)) value = Unwrap(value) ?? throw Invalid(field, value, "a value, not null");
        if (value is string text && text.Length > MaxLength(field.Type))
            throw Invalid(field, value, $"a {field.Type.ToString().ToLowerInvariant()} value of at most {MaxLength(field.Type)} characters, not {text.Length}");
        return field.Type switch
        {
            FieldType.Keyword or FieldType.Text => AsText(field, value),
            FieldType.Lowercase => AsText(field, value).ToLowerInvariant(),
            FieldType.Uppercase => AsText(field, value).ToUpperInvariant(),
            FieldType.Ip => NormalizeIp(field, value),
            FieldType.Cidr => NormalizeCidr(field, value),
            FieldType.Fqdn => NormalizeFqdn(field, value),
            FieldType.Url => NormalizeUrl(field, value),
            FieldType.Port => InRange(field, value, 0, 65535, "a port number 0-65535"),
            FieldType.Asn => InRange(field, value, 1, 4294967295, "an AS number 1-4294967295"),
            FieldType.Integer => InRange(field, value, long.MinValue, long.MaxValue, "an integer"),
            // A double is returned as it came, saving a box.
            FieldType.Float => value is double ? value : AsDouble(field, value),
            FieldType.Accuracy => AsDouble(field, value) is var d and >= 0 and <= 100 ? d : throw Invalid(field, value, "an accuracy 0-100"),
            FieldType.Boolean => AsBoolean(field, value),
            FieldType.DateTime => NormalizeTimestamp(field, value),
            FieldType.Country => AsText(field, value) is { Length: 2 } cc && char.IsAsciiLetter(cc[0]) && char.IsAsciiLetter(cc[1])
                ? cc.ToUpperInvariant() : throw Invalid(field, value, "an ISO 3166-1 alpha-2 country code"),
            FieldType.Md5 => Hex(field, value, 32, "an MD5 hash (32 hex digits)"),
            FieldType.Sha1 => Hex(field, value, 40, "a SHA-1 hash (40 hex digits)"),
            FieldType.Sha256 => Hex(field, value, 64, "a SHA-256 hash (64 hex digits)"),
            FieldType.Sha512 => Hex(field, value, 128, "a SHA-512 hash (128 hex digits)"),
            FieldType.Taxonomy => AsText(field, value).ToLowerInvariant() is var t && Classification.Taxonomies.Contains(t)
                ? t : throw Invalid(field, value, "an RSIT taxonomy such as 'vulnerable' or 'malicious-code'"),
            FieldType.ClassificationType => AsText(field, value).ToLowerInvariant() is var ct && Classification.TaxonomyOfType.ContainsKey(ct)
                ? ct : throw Invalid(field, value, "an RSIT classification type such as 'vulnerable-system' or 'infected-system'"),
            FieldType.Tlp => NormalizeTlp(field, value),
            FieldType.Registry => AsText(field, value).ToUpperInvariant() is var r && (r == "RIPE-NCC" ? "RIPE" : r) is var reg && Registries.Contains(reg)
                ? reg : throw Invalid(field, value, "a registry: AFRINIC, APNIC, ARIN, LACNIC or RIPE"),
            FieldType.Links => NormalizeLink(field, value),
            FieldType.Uuid => Guid.TryParse(AsText(field, value), out var g) ? g.ToString("D") : throw Invalid(field, value, "a UUID"),
            _ => value is string or long or double or bool or JsonNode ? value : JsonSerializer.SerializeToNode(value)!,
        };
    }

    // Longer than any valid value of the type, blanks around it included: refused before any parsing, which for
    // hostile input (a 20 MB timestamp) would otherwise be slow or worse.
    static int MaxLength(FieldType type) => type switch
    {
        FieldType.DateTime => Timestamps.MaxLength,
        FieldType.Ip or FieldType.Cidr or FieldType.Port or FieldType.Asn or FieldType.Integer or FieldType.Float or FieldType.Accuracy
            or FieldType.Boolean or FieldType.Country or FieldType.Taxonomy or FieldType.ClassificationType or FieldType.Tlp
            or FieldType.Registry => 64,
        FieldType.Uuid or FieldType.Md5 or FieldType.Sha1 or FieldType.Sha256 or FieldType.Sha512 => 256,
        FieldType.Fqdn => 1024,
        _ => int.MaxValue,
    };

    /// <summary>Turns JSON elements and boxed numbers into the value kinds events hold.</summary>
    public static object? Unwrap(object value) => value switch
    {
        // The casts keep the switch typed object: JsonNode's implicit conversions would otherwise turn every arm into a JsonNode.
        JsonElement e => e.ValueKind switch
        {
            JsonValueKind.String => (object?)e.GetString(),
            JsonValueKind.Number => e.TryGetInt64(out var l) ? (object)l : e.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => JsonNode.Parse(e.GetRawText()),
        },
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => (object?)v.GetValue<string>(),
            JsonValueKind.Number => v.TryGetValue<long>(out var l) ? (object)l : v.GetValue<double>(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        },
        int i => (long)i,
        uint u => (long)u,
        float f => (double)f,
        decimal m => (double)m,
        _ => value,
    };

    static string AsText(FieldDefinition field, object value) => value switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => throw Invalid(field, value, "text"),
    };

    static object InRange(FieldDefinition field, object value, long min, long max, string expected)
    {
        long n;
        switch (value)
        {
            case long l: n = l; break;
            case double d when d == Math.Floor(d) && Math.Abs(d) < 9e18: n = (long)d; break;
            case string s when long.TryParse(s.AsSpan().Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var p): n = p; break;
            default: throw Invalid(field, value, expected);
        }
        // A long in range is returned as it came, saving a box.
        return n >= min && n <= max ? (value is long ? value : n) : throw Invalid(field, value, expected);
    }

    static double AsDouble(FieldDefinition field, object value) => value switch
    {
        double d => d,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => throw Invalid(field, value, "a number"),
    };

    static bool AsBoolean(FieldDefinition field, object value) => value switch
    {
        bool b => b,
        string s when s.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
        string s when s.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
        _ => throw Invalid(field, value, "true or false"),
    };

    static string NormalizeTimestamp(FieldDefinition field, object value) =>
        value is string s && Timestamps.Normalize(s) is { } t ? t
            : throw Invalid(field, value, "a timestamp such as 2024-05-01T12:00:00+00:00");

    /// <summary>Canonical text of an IPv4 or IPv6 address, or null. Rejects the shorthand forms inet_aton accepts ("1.2.3").</summary>
    public static string? CanonicalIp(string text)
    {
        var s = text.AsSpan().Trim();
        if (s.IsEmpty || s.Length > 45) return null;
        if (s.Contains(':'))
        {
            if (s.Contains('%') || !IPAddress.TryParse(s, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6) return null;
            var canonical = v6.ToString();
            return canonical.AsSpan().SequenceEqual(text) ? text : canonical;
        }
        return IsDottedQuad(s) ? (s.Length == text.Length ? text : s.ToString()) : null;
    }

    static bool IsDottedQuad(ReadOnlySpan<char> s) => IsDottedQuad(s, out _);

    static bool IsDottedQuad(ReadOnlySpan<char> s, out uint address)
    {
        var parts = 0;
        address = 0;
        while (true)
        {
            var end = s.IndexOf('.');
            var part = end < 0 ? s : s[..end];
            if (part.IsEmpty || part.Length > 3 || (part.Length > 1 && part[0] == '0')) return false;
            var n = 0;
            foreach (var c in part)
            {
                if (!char.IsAsciiDigit(c)) return false;
                n = n * 10 + (c - '0');
            }
            if (n > 255 || ++parts > 4) return false;
            address = (address << 8) | (uint)n;
            if (end < 0) return parts == 4;
            s = s[(end + 1)..];
        }
    }

    static string NormalizeIp(FieldDefinition field, object value) =>
        value is string s && CanonicalIp(s) is { } ip ? ip : throw Invalid(field, value, "an IPv4 or IPv6 address");

    static string NormalizeCidr(FieldDefinition field, object value)
    {
        if (value is string s)
        {
            var slash = s.IndexOf('/');
            if (IsCanonicalIPv4Network(s, slash)) return s;
            var address = CanonicalIp(slash < 0 ? s : s[..slash]);
            if (address is not null)
            {
                var max = address.Contains(':') ? 128 : 32;
                if (slash < 0) return $"{address}/{max}";
                if (int.TryParse(s.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var bits) && bits <= max)
                    return $"{MaskTo(address, bits)}/{bits}";
            }
        }
        throw Invalid(field, value, "a network in CIDR notation such as 192.0.2.0/24");
    }

    // An IPv4 network as lookups write it (no host bits, no leading zeros) is kept as it is: no copy per event.
    static bool IsCanonicalIPv4Network(string s, int slash)
    {
        if (slash < 7 || !IsDottedQuad(s.AsSpan(0, slash), out var address)) return false;
        var prefix = s.AsSpan(slash + 1);
        if (prefix.IsEmpty || prefix.Length > 2 || (prefix.Length == 2 && prefix[0] == '0')
            || !int.TryParse(prefix, NumberStyles.None, CultureInfo.InvariantCulture, out var bits) || bits > 32) return false;
        return bits == 32 || (address & (uint.MaxValue >> bits)) == 0;
    }

    // IPNetwork.Parse refuses host bits; IntelMQ accepts them and keeps the network (strict=False).
    static string MaskTo(string address, int bits)
    {
        var bytes = IPAddress.Parse(address).GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes).ToString();
    }

    /// <summary>Lower-case ASCII (IDNA) host name without a trailing dot, or null when it is not one.</summary>
    public static string? CanonicalFqdn(string text)
    {
        var s = text.AsSpan().Trim().TrimEnd('.');
        if (s.Length == 0 || s.Length > 253) return null;
        if (!System.Text.Ascii.IsValid(s)) return CanonicalIdn(s.ToString(), text);
        // Only a dotted quad can be an address here: the label check below refuses the ':' of IPv6.
        if (IsDottedQuad(s)) return null;
        int labelLength = 0;
        var upper = false;
        foreach (var c in s)
        {
            if (c == '.')
            {
                if (labelLength == 0) return null;
                labelLength = 0;
                continue;
            }
            // Hyphens at a label's edge are against RFC 1123 but occur in feeds, and IntelMQ accepts them.
            if (++labelLength > 63) return null;
            if (char.IsAsciiLetterUpper(c)) upper = true;
            else if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return null;
        }
        if (!upper) return s.Length == text.Length ? text : s.ToString();
        Span<char> lower = stackalloc char[253]; // the length was checked above
        lower = lower[..s.Length];
        s.ToLowerInvariant(lower);
        return new string(lower);
    }

    static string? CanonicalIdn(string s, string text)
    {
        try { s = Idn.GetAscii(s); }
        catch (ArgumentException) { return null; }
        s = s.ToLowerInvariant();
        foreach (var label in s.Split('.'))
        {
            if (label.Length is 0 or > 63) return null;
            foreach (var c in label)
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return null;
        }
        return s == text ? text : s;
    }

    static string NormalizeFqdn(FieldDefinition field, object value) =>
        value is string s && CanonicalFqdn(s) is { } fqdn ? fqdn : throw Invalid(field, value, "a domain name such as www.example.com");

    static string NormalizeUrl(FieldDefinition field, object value)
    {
        if (value is string s)
        {
            var t = s.Trim();
            var scheme = t.IndexOf("://", StringComparison.Ordinal);
            if (scheme > 0 && t.Length > scheme + 3 && !t.AsSpan().ContainsAny(" \t\r\n") && char.IsAsciiLetter(t[0])
                && t.AsSpan(scheme + 3).IndexOfAny('/', '?', '#') != 0)
                return t;
        }
        throw Invalid(field, value, "an absolute URL such as http://example.com/path");
    }

    static string Hex(FieldDefinition field, object value, int length, string expected)
    {
        if (value is string s && s.Length == length)
        {
            foreach (var c in s)
                if (!char.IsAsciiHexDigit(c)) throw Invalid(field, value, expected);
            return s.ToLowerInvariant();
        }
        throw Invalid(field, value, expected);
    }

    static string NormalizeTlp(FieldDefinition field, object value)
    {
        var t = AsText(field, value).Trim().ToUpperInvariant();
        if (t.StartsWith("TLP:", StringComparison.Ordinal)) t = t[4..];
        return TlpLevels.Contains(t) ? t : throw Invalid(field, value, "a TLP level: CLEAR, WHITE, GREEN, AMBER, AMBER+STRICT or RED");
    }

    static JsonObject NormalizeLink(FieldDefinition field, object value)
    {
        var node = value as JsonObject ?? (value is JsonNode n ? null : JsonSerializer.SerializeToNode(value) as JsonObject);
        var type = node?["type"]?.GetValueKind() == JsonValueKind.String ? node["type"]!.GetValue<string>() : null;
        var id = node?["id"]?.GetValueKind() == JsonValueKind.String ? node["id"]!.GetValue<string>() : null;
        if (type is null || id is null || !LinkTypes.Contains(type))
            throw Invalid(field, value, "a link {\"type\": parent|child|same-report|duplicate-of, \"id\": \"<event.id>\"}");
        return new JsonObject { ["type"] = type, ["id"] = id };
    }

    static InvalidFieldException Invalid(FieldDefinition field, object? value, string expected)
    {
        var shown = value switch
        {
            null => "null",
            string s => $"'{(s.Length > 80 ? s[..80] + "..." : s)}'",
            JsonNode n => n.ToJsonString(),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture),
        };
        return new InvalidFieldException(field.Name, $"invalid value {shown} for field '{field.Name}': expected {expected}");
    }
}

using System.Collections.Frozen;
using System.Globalization;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Shadowserver;

/// <summary>
/// The conversion functions the Shadowserver schema names. Each takes the cell (null when the row is cut short)
/// and, for whole-row conversions, the row; null means "no value". Throwing fails the row.
/// </summary>
public static class ShadowserverConversions
{
    public delegate object? Conversion(string? value, Func<string, string?> row);

    static readonly FrozenDictionary<string, Conversion> All = new Dictionary<string, Conversion>
    {
        ["add_UTC_to_timestamp"] = (v, _) => Empty(v) ? null : v + " UTC",
        ["convert_int"] = (v, _) => Empty(v) ? null : long.Parse(v!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
        ["convert_float"] = (v, _) => Empty(v) ? null : double.Parse(v!.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture),
        ["convert_bool"] = (v, _) => v?.Trim().ToLowerInvariant() switch
        {
            "y" or "yes" or "true" or "enabled" or "1" => true,
            "n" or "no" or "false" or "disabled" or "0" => false,
            _ => null,
        },
        ["validate_to_none"] = (v, _) => Empty(v) || v is "0" or "unknown" ? null : v, // "Unknown" is a value, as in IntelMQ
        ["invalidate_zero"] = (v, _) => Empty(v) ? null
            : long.Parse(v!.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) is var n && n != 0 ? n : null,
        ["validate_ip"] = (v, _) => Empty(v) ? null : FieldNormalizer.CanonicalIp(v!) is { } ip && ip != "0.0.0.0" ? ip : null,
        ["validate_network"] = (v, _) => Empty(v) || !v!.Contains('/') || FieldNormalizer.CanonicalIp(v[..v.IndexOf('/')]) is null ? null : v,
        ["validate_fqdn"] = (v, _) => Empty(v) ? null : FieldNormalizer.CanonicalFqdn(v!) is null ? null : v,
        ["convert_date"] = (v, _) => Empty(v) ? null : Timestamps.TryParse(v!, out var t) ? Timestamps.Format(t) : throw new FormatException($"'{v}' is not a date"),
        ["convert_date_utc"] = (v, _) => Empty(v) ? null : Timestamps.TryParse(v!, out var t) ? Timestamps.Format(t) : throw new FormatException($"'{v}' is not a date"),
        ["force_base64"] = (v, _) => Empty(v) ? null : IsBase64(v!) ? v : Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(v!)),
        ["extract_cve_from_tag"] = (v, _) => Empty(v) || !v!.Contains("cve-", StringComparison.OrdinalIgnoreCase) ? null
            : string.Join(";", v.Split(';').Where(t => t.StartsWith("cve-", StringComparison.OrdinalIgnoreCase))) is { Length: > 0 } cves ? cves : null,
        ["category_or_detail"] = (v, row) => !Empty(row("category")) ? row("category") : Empty(row("detail")) ? null : row("detail"),
        ["convert_http_host_and_url"] = HostAndUrl,
        // The classification comes from the tag even when it is empty (a vulnerable server), as in IntelMQ; a missing cell gives none.
        ["scan_exchange_taxonomy"] = (v, _) => v is null ? null : IsWebshell(v) ? "intrusions" : "vulnerable",
        ["scan_exchange_type"] = (v, _) => v is null ? null : IsWebshell(v) ? "system-compromise" : "vulnerable-system",
        ["scan_exchange_identifier"] = (v, _) => v is null ? null : IsWebshell(v) ? "exchange-server-webshell" : "vulnerable-exchange-server",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool IsKnown(string name) => All.ContainsKey(name);

    public static IEnumerable<string> Names => All.Keys;

    public static Conversion Get(string name) => All[name];

    static bool Empty(string? v) => string.IsNullOrEmpty(v);

    static bool IsWebshell(string tag) => tag.Contains("webshell", StringComparison.OrdinalIgnoreCase);

    static bool IsBase64(string v) => v.Length % 4 == 0 && Convert.TryFromBase64String(v, new byte[v.Length], out _);

    static readonly string[] HostColumns = ["http_host", "hostname", "dst_ip", "ip"];

    // A sinkhole's URL column holds a path or a request line ("GET /gate.php HTTP/1.1"); the host is a column of its own.
    static object? HostAndUrl(string? url, Func<string, string?> row)
    {
        if (Empty(url)) return null;
        var path = url!.Trim();
        if (RequestTarget(path) is { } target) path = target;
        if (path.Contains("://", StringComparison.Ordinal)) return path;
        string? host = null;
        foreach (var column in HostColumns)
            if (!Empty(host = row(column))) break;
        if (Empty(host)) return null;
        return string.Concat("http://", host, path.StartsWith('/') ? "" : "/", path);
    }

    // The target of a request line: exactly three words separated by spaces, the third HTTP/x.
    static string? RequestTarget(string line)
    {
        Span<Range> words = stackalloc Range[4];
        var count = line.AsSpan().Split(words, ' ', StringSplitOptions.RemoveEmptyEntries);
        return count == 3 && line.AsSpan(words[2]).StartsWith("HTTP/", StringComparison.OrdinalIgnoreCase) ? line[words[1]] : null;
    }
}

using System.Globalization;
using System.Text;
using IntelMQ.Parsers.Shadowserver;

namespace IntelMQ.Bench;

/// <summary>
/// Writes a synthetic Shadowserver report of a report type: the columns of its schema entry, every value quoted as
/// Shadowserver quotes them, and values that fit each column's conversion (addresses, ports, AS numbers, timestamps,
/// country codes, Y/N, integers) with some empty cells. Deterministic for a given seed; streams, so any size fits.
/// </summary>
sealed class SyntheticReport
{
    enum Kind { Timestamp, Ip, Port, Asn, Naics, Integer, Float, Boolean, Country, Region, City, Hostname, HttpRequest, Transport, Severity, Tag, Malware, Text }

    static readonly string[] Countries = ["US", "DE", "NL", "AT", "FR", "GB", "CN", "BR", "IN", "JP", "RU", "IT", "ES", "PL", "SE", "ZA"];
    static readonly string[] Regions = ["NOORD-HOLLAND", "WIEN", "CALIFORNIA", "BAYERN", "ILE-DE-FRANCE", "ENGLAND", "GUANGDONG", "SAO PAULO"];
    static readonly string[] Cities = ["AMSTERDAM", "VIENNA", "LOS ANGELES", "MUNICH", "PARIS", "LONDON", "SHENZHEN", "CAMPINAS"];
    static readonly string[] Severities = ["critical", "high", "medium", "low", "info"];
    static readonly string[] Malware = ["emotet", "qakbot", "andromeda", "necurs", "conficker", "mirai", "avalanche-andromeda"];
    static readonly string[] Naics = ["0", "517311", "518210", "541512", "0", "611310"];
    static readonly int[] CommonPorts = [445, 139, 80, 443, 8080];

    readonly (string Column, Kind Kind, int EmptyPercent)[] _columns;
    readonly string _tag;
    readonly Random _random;

    public SyntheticReport(ShadowserverReportType type, int seed = 42)
    {
        _random = new Random(seed);
        _tag = type.FileName.StartsWith("scan_", StringComparison.Ordinal) ? type.FileName["scan_".Length..] : type.FileName.Split('_')[^1];
        var columns = new List<(string, Kind, int)>();
        foreach (var field in type.Required)
            if (!columns.Exists(c => c.Item1 == field.Column))
                columns.Add((field.Column, KindOf(field), 0));
        foreach (var field in type.Optional)
            if (!columns.Exists(c => c.Item1 == field.Column))
            {
                var kind = KindOf(field);
                // Free-text columns (arch, key, sector, ...) are often empty in real reports; the others seldom.
                columns.Add((field.Column, kind, kind == Kind.Text ? 40 : 3));
            }
        _columns = [.. columns];
    }

    public IReadOnlyList<string> Columns => Array.ConvertAll(_columns, c => c.Column);

    /// <summary>Writes the header and <paramref name="rows"/> rows; returns the bytes written.</summary>
    public long Write(string path, long rows)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16);
        writer.Write(string.Join(",", Array.ConvertAll(_columns, c => $"\"{c.Column}\"")));
        writer.Write('\n');
        var start = new DateTime(2024, 5, 1, 0, 0, 0, DateTimeKind.Utc);
        var step = 86400.0 / Math.Max(rows, 1);
        for (long row = 0; row < rows; row++)
        {
            var time = start.AddSeconds(Math.Floor(row * step));
            for (var i = 0; i < _columns.Length; i++)
            {
                if (i > 0) writer.Write(',');
                writer.Write('"');
                var (column, kind, empty) = _columns[i];
                if (empty == 0 || _random.Next(100) >= empty) WriteValue(writer, kind, column, row, time);
                writer.Write('"');
            }
            writer.Write('\n');
        }
        writer.Flush();
        return stream.Length;
    }

    void WriteValue(StreamWriter w, Kind kind, string column, long row, DateTime time)
    {
        var r = _random;
        switch (kind)
        {
            case Kind.Timestamp: w.Write(time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)); break;
            case Kind.Ip:
                w.Write(PublicFirstOctet(r)); w.Write('.'); w.Write(r.Next(256)); w.Write('.');
                w.Write(r.Next(256)); w.Write('.'); w.Write(r.Next(1, 255));
                break;
            case Kind.Port: w.Write(r.Next(10) < 7 ? CommonPorts[r.Next(CommonPorts.Length)] : r.Next(1024, 65536)); break;
            case Kind.Asn: w.Write(r.Next(50) == 0 ? 0 : r.Next(1, 400_000)); break;
            case Kind.Naics: w.Write(Naics[r.Next(Naics.Length)]); break;
            case Kind.Integer: w.Write(r.Next(0, 1000)); break;
            case Kind.Float: w.Write((r.NextDouble() * 100).ToString("0.###", CultureInfo.InvariantCulture)); break;
            case Kind.Boolean: w.Write(r.Next(2) == 0 ? 'Y' : 'N'); break;
            case Kind.Country: w.Write(Countries[r.Next(Countries.Length)]); break;
            case Kind.Region: w.Write(Regions[r.Next(Regions.Length)]); break;
            case Kind.City: w.Write(Cities[r.Next(Cities.Length)]); break;
            case Kind.Hostname: w.Write("host-"); w.Write(row); w.Write(".example"); w.Write(r.Next(100)); w.Write(".net"); break;
            case Kind.HttpRequest: w.Write("GET /gate.php?id="); w.Write(row); w.Write(" HTTP/1.1"); break;
            case Kind.Transport: w.Write(r.Next(20) == 0 ? "udp" : "tcp"); break;
            case Kind.Severity: w.Write(Severities[r.Next(Severities.Length)]); break;
            case Kind.Tag: w.Write(_tag); if (r.Next(4) == 0) w.Write(";cve-2017-0144"); break;
            case Kind.Malware: w.Write(Malware[r.Next(Malware.Length)]); break;
            default: w.Write(column); w.Write('-'); w.Write(r.Next(1000)); break;
        }
    }

    // Skips 0, 10, 127 and the multicast range so addresses look like the scanned Internet.
    static int PublicFirstOctet(Random r)
    {
        int octet;
        do octet = r.Next(1, 224); while (octet is 10 or 127);
        return octet;
    }

    static Kind KindOf(ShadowserverField field)
    {
        var target = field.Target;
        var column = field.Column;
        switch (field.ConversionName)
        {
            case "add_UTC_to_timestamp" or "convert_date" or "convert_date_utc": return Kind.Timestamp;
            case "validate_ip": return Kind.Ip;
            case "convert_bool": return Kind.Boolean;
            case "convert_float": return Kind.Float;
            case "validate_fqdn": return Kind.Hostname;
            case "convert_http_host_and_url": return Kind.HttpRequest;
            case "extract_cve_from_tag": return Kind.Tag;
        }
        if (target.EndsWith(".port", StringComparison.Ordinal) || column.EndsWith("port", StringComparison.Ordinal)) return Kind.Port;
        if (target.EndsWith(".asn", StringComparison.Ordinal)) return Kind.Asn;
        if (column.EndsWith("naics", StringComparison.Ordinal)) return Kind.Naics;
        if (field.ConversionName is "convert_int" or "invalidate_zero") return Kind.Integer;
        if (target.EndsWith("geolocation.cc", StringComparison.Ordinal)) return Kind.Country;
        if (target.EndsWith("geolocation.region", StringComparison.Ordinal)) return Kind.Region;
        if (target.EndsWith("geolocation.city", StringComparison.Ordinal)) return Kind.City;
        if (target.EndsWith("reverse_dns", StringComparison.Ordinal) || column.EndsWith("hostname", StringComparison.Ordinal)) return Kind.Hostname;
        if (target == "protocol.transport") return Kind.Transport;
        if (column == "severity") return Kind.Severity;
        if (column == "tag") return Kind.Tag;
        if (column is "infection" or "family") return Kind.Malware;
        return Kind.Text;
    }
}

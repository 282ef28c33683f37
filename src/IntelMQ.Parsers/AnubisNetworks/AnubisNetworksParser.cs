using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.AnubisNetworks;

/// <summary>Parses AnubisNetworks (Bitsight) Cyberfeed sinkhole records: one JSON object per report.</summary>
[Program("anubisnetworks-parser", ProgramKind.Parser, "Parses AnubisNetworks (Bitsight) Cyberfeed sinkhole records, old (env) and new (src/dst/comm) format.",
    Modules = ["intelmq.bots.parsers.anubisnetworks.parser"],
    Options = typeof(AnubisNetworksParserOptions),
    Description = """
        Reads one Cyberfeed record per report (as the Cyberfeed stream collector sends them), in the old format (env,
        trojanfamily) or the new one (src, dst, malw, comm, tracking). Emits one event with classification
        malicious-code/infected-system and event_description.text "Sinkhole attempted connection": source and destination
        address and port, the malware family (malware.name, and classification.identifier unless
        use_malware_familiy_as_classification_identifier is false), time.source from _ts, the HTTP request (destination.url,
        destination.urlpath, destination.fqdn, or custom.communication.http_host when the host is an address other than the
        destination), the source's geolocation and AS from _geo_src_ip/_geo_env_remote_addr (source.network from its
        netmask; in the old format only these), and every other member under custom.* (other _geo_* blocks under the path they describe: tracking.last,
        communication.http.host, ...). feed.url loses its query (the subscription key). Records of AnubisNetworks' test family
        TestSinkholingLoss are dropped with that reason. The raw text is the whole record.
        """,
    FieldsRead = ["feed.url", "event.original"],
    FieldsWritten = ["source.*", "destination.*", "network.protocol", "threat.software.name", "message", "feed.url", "custom.*", "@timestamp", "classification.*", "event.original"],
    Examples = ["intelmq run anubisnetworks-parser --in-format dho --out-format dho < cyberfeed-reports.jsonl"])]
public sealed partial class AnubisNetworksParser : IParser
{
    readonly AnubisNetworksParserOptions _options;

    public AnubisNetworksParser(AnubisNetworksParserOptions? options = null) => _options = options ?? new AnubisNetworksParserOptions();

    static readonly Dictionary<string, string> Paths = new(StringComparer.Ordinal)
    {
        ["_origin"] = "custom._origin", ["_provider"] = "custom._provider", ["qtype"] = "custom.dns_query_type", ["app_proto"] = "network.protocol",
        ["env.server_port"] = "destination.port", ["env.remote_addr"] = "source.ip", ["env.remote_port"] = "source.port", ["env.server_addr"] = "destination.ip",
        ["env.server_name"] = "destination.domain", ["env.request_method"] = "custom.request_method",
        ["src.ip"] = "source.ip", ["src.port"] = "source.port", ["dst.ip"] = "destination.ip", ["dst.port"] = "destination.port",
        ["malw.severity"] = "custom.malware.severity", ["malw.categories"] = "custom.malware.categories",
        ["comm.method"] = "custom.communication.type", ["comm.http.method"] = "custom.request_method", ["comm.http.user_agent"] = "custom.user_agent",
        ["comm.http.more_headers"] = "custom.communication.headers", ["comm.http.cookies"] = "custom.communication.cookies",
        ["comm.http.unverified_domain"] = "custom.communication.unverified_domain", ["comm.http.x_forwarded_for"] = "custom.communication.x_forwarded_for",
        ["comm.dns.name"] = "destination.domain", ["comm.dns.qtype"] = "custom.dns_query_type",
        ["tracking.id"] = "custom.tracking.id", ["tracking.tr"] = "custom.tracking.tr", ["tracking.last_ip"] = "custom.tracking.last.ip",
        ["tracking.first"] = "custom.first_seen", ["tracking.seen"] = "custom.last_seen", ["tracking.checkins"] = "custom.tracking.checkins",
        ["tracking.changes"] = "custom.tracking.changes", ["tracking.days"] = "custom.days_seen", ["tracking.same_ip"] = "custom.tracking.same_ip",
        ["metadata.flowbits"] = "custom.metadata.flowbits",
    };

    // Handled after the walk, as they combine members.
    static readonly HashSet<string> Combined = ["_ts", "trojanfamily", "malw.family", "malw.variant", "comm.proto", "comm.http.host", "comm.http.path"];

    static readonly Dictionary<string, string> SourceGeo = new(StringComparer.Ordinal)
    {
        ["asn"] = "source.as.number", ["asn_name"] = "source.as.organization.name", ["country_code"] = "source.geo.country_iso_code",
        ["country_name"] = "source.geo.country_name", ["region"] = "source.geo.region_name", ["city"] = "source.geo.city_name",
        ["latitude"] = "source.geo.location.lat", ["longitude"] = "source.geo.location.lon",
    };

    static readonly Dictionary<string, string> OtherGeo = new(StringComparer.Ordinal)
    {
        ["asn"] = "asn", ["asn_name"] = "as_name", ["country_code"] = "geolocation.cc", ["country_name"] = "geolocation.country", ["region"] = "geolocation.region",
        ["city"] = "geolocation.city", ["latitude"] = "geolocation.latitude", ["longitude"] = "geolocation.longitude",
    };

    [GeneratedRegex(@"\.#(\d+)")]
    private static partial Regex ListIndex();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var text = JsonReport.ReadText(body);
        using var document = JsonReport.Parse(text);
        var record = document.RootElement;
        if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the record is a JSON {record.ValueKind}, expected an object");

        var ev = ReportFields.NewEvent(report);
        if (ev["feed.url"] is string url && url.IndexOf('?') is var query and >= 0) ev.Add("feed.url", url[..query], overwrite: true);
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in record.EnumerateObject())
        {
            if (property.Name.StartsWith("_geo_", StringComparison.Ordinal)) AddGeo(ev, property.Value);
            else Flatten(property.Name, property.Value, members, 0);
        }
        foreach (var (path, value) in members)
        {
            if (Combined.Contains(path) || value.ValueKind == JsonValueKind.Null) continue;
            var field = Paths.GetValueOrDefault(path) ?? "custom." + CustomPath(path);
            if (field.StartsWith("custom.", StringComparison.Ordinal)) ev.Add(field, value, overwrite: true);
            else ev.Add(field, value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(), overwrite: true);
        }

        if (members.TryGetValue("_ts", out var ts)) ev.Add("@timestamp", Timestamps.Format(DateTimeOffset.FromUnixTimeSeconds((long)Math.Floor(ts.GetDouble()))));
        var family = Text(members, "malw.family");
        if (family == "TestSinkholingLoss")
        {
            output.Drop(ev, "AnubisNetworks test record (malware family TestSinkholingLoss)");
            return;
        }
        if ((family ?? Text(members, "trojanfamily")) is { } malware) ev.Add("threat.software.name", malware.ToLowerInvariant());
        if (family is not null && _options.UseMalwareFamiliyAsClassificationIdentifier) ev.Add("classification.identifier", family);
        if (Text(members, "malw.variant") is { } variant && variant != family) ev.Add("custom.malware.variant", variant);
        if (!ev.Contains("network.protocol")) ev.Add("network.protocol", Text(members, "comm.proto"));
        if (Text(members, "comm.http.host") is { } host)
        {
            if (FieldNormalizer.CanonicalIp(host) is not { } hostIp) ev.Add("destination.domain", host, overwrite: true);
            else if (hostIp != ev["destination.ip"] as string) ev.Add("custom.communication.http_host", host);
            if (Text(members, "comm.http.path") is { } path) ev.Add("destination.url.full", "http://" + host + path);
        }
        ev.Add("destination.url.path", Text(members, "comm.http.path"));
        ev.Add("message", "Sinkhole attempted connection");
        ev.Add("classification.taxonomy", "malicious-code");
        ev.Add("classification.type", "infected-system");
        output.EmitParsed(ev, text);
    }

    static string? Text(Dictionary<string, JsonElement> members, string path) =>
        members.TryGetValue(path, out var value) && value.ValueKind != JsonValueKind.Null
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
            : null;

    // Objects become dotted paths; lists stay values (custom fields hold them as they are).
    static void Flatten(string path, JsonElement value, Dictionary<string, JsonElement> members, int depth)
    {
        if (value.ValueKind != JsonValueKind.Object || depth > 16)
        {
            members[path] = value;
            return;
        }
        foreach (var property in value.EnumerateObject()) Flatten(path + "." + property.Name, property.Value, members, depth + 1);
    }

    static string CustomPath(string path)
    {
        if (path.StartsWith("comm.", StringComparison.Ordinal)) path = "communication." + path["comm.".Length..];
        return ListIndex().Replace(path, "_$1");
    }

    // A _geo_ block describes the address at its "path": the source's goes to source.*, any other to custom.<path>.*.
    static void AddGeo(Event ev, JsonElement geo)
    {
        if (geo.ValueKind != JsonValueKind.Object) return;
        var described = geo.Text("path");
        var isSource = described is null or "src.ip" or "env.remote_addr";
        var prefix = isSource ? null : "custom." + CustomPath(described!.EndsWith("_ip", StringComparison.Ordinal) ? described[..^3] : described) + ".";
        var ip = geo.Text("ip");
        foreach (var property in geo.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind == JsonValueKind.Null || property.Name is "ip" or "path") continue;
            if (property.Name == "netmask")
            {
                if (ip is null) continue;
                if (isSource) ev.Add("source.network", Network(ip, value.GetInt32()), overwrite: true);
                else ev.Add(prefix + "network", $"{ip}/{value.GetRawText()}");
                continue;
            }
            if (isSource)
            {
                if (SourceGeo.TryGetValue(property.Name, out var field)) ev.Add(field, value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText(), overwrite: true);
                // The old format's block (env.remote_addr) keeps only these, as IntelMQ does; the raw text has the rest.
                else if (described != "env.remote_addr") ev.Add("custom.source.geolocation." + property.Name, value, overwrite: true);
            }
            else ev.Add(prefix + OtherGeo.GetValueOrDefault(property.Name, "geolocation." + property.Name), value, overwrite: true);
        }
    }

    /// <summary>The network of an address and a prefix length ("203.0.113.2", 24 is "203.0.113.0/24").</summary>
    static string Network(string ip, int length)
    {
        var address = IPAddress.Parse(ip);
        var bytes = address.GetAddressBytes();
        if (length < 0 || length > bytes.Length * 8) throw new InvalidDataException($"netmask {length} does not fit address {ip}");
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(length - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPAddress(bytes) + "/" + length.ToString(CultureInfo.InvariantCulture);
    }
}

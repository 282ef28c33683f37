using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Shodan;

/// <summary>Shodan banners (the stream API's JSON, or a download's JSON lines) into one event per banner.</summary>
[Program("shodan-parser", ProgramKind.Parser, "Parses Shodan banners (JSON, one per report or JSON lines) into events.",
    Modules = ["intelmq.bots.parsers.shodan.parser"],
    Options = typeof(ShodanParserOptions),
    Description = """
        Each banner (https://datapedia.shodan.io) is an event of classification.type other, identifier shodan-scan:
        ip_str, port, transport, asn, org (event_description.target), the first hostname (source.reverse_dns) and domain
        (source.fqdn), location (country, city, region, coordinates), timestamp (time.source), data, isp and hash
        (extra.shodan.event_hash) as src/IntelMQ.Parsers/Data/shodan-mapping.json says. Every other object of the banner is
        a protocol module (ftp, http, ssl, ...): its members go to extra.PROTOCOL.* (ftp.features as a list of
        {identifier, parameters}), its name to extra.shodan.unique_keys and, for the first, protocol.application. With
        minimal_mode only the essentials are taken and the whole banner is kept as extra.shodan (identifier network-scan).
        A value its field refuses is kept under extra.shodan.refused.* (ignore_errors) or sends the banner to the dump.
        Nested values are carried as they are (depth bounded at 64), never walked recursively. event.original is the banner's text.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "network.*", "message", "classification.*", "@timestamp", "custom.*", "event.original", "event.id"],
    Examples =
    [
        "intelmq run shodan-parser --raw --set minimal_mode=true < banners.jsonl",
        "# input:",
        "#   {\"ip_str\": \"192.0.2.1\", \"port\": 21, \"transport\": \"tcp\", \"asn\": \"AS64496\", \"org\": \"Example Org\", \"timestamp\": \"2018-06-19T13:02:37.371273\", \"ftp\": {\"anonymous\": false}, \"_shodan\": {\"module\": \"ftp\"}}",
        "# output (--out-format dho; raw, feed.name and time.observation left out):",
        "#   {\"__type\": \"Event\", \"classification.type\": \"other\", \"classification.identifier\": \"shodan-scan\", \"source.ip\": \"192.0.2.1\", \"source.port\": 21, \"protocol.transport\": \"tcp\", \"source.asn\": 64496, \"event_description.target\": \"Example Org\", \"time.source\": \"2018-06-19T13:02:37.371273+00:00\", \"extra.ftp.anonymous\": false, \"extra.shodan.unique_keys\": [\"ftp\"], \"protocol.application\": \"ftp\"}",
    ])]
public sealed class ShodanParser(ShodanParserOptions? options = null) : IParser
{
    static readonly ShodanMapping Mapping = ShodanMapping.Load();

    readonly ShodanParserOptions _options = options ?? new ShodanParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var text = JsonReport.ReadText(body, JsonReport.MaxSize);
        JsonDocument? whole = null;
        try
        {
            whole = JsonReport.Parse(text);
        }
        catch (InvalidDataException)
        {
            // Not one document: JSON lines, read below.
        }
        if (whole is not null)
        {
            using (whole) EmitBanner(report, whole.RootElement, text, "banner 1", output);
            return;
        }
        foreach (var line in ReportLines.Read(new StringReader(text), output))
        {
            if (line.Text.Trim().Length == 0) continue;
            try
            {
                using var document = JsonReport.Parse(line.Text);
                EmitBanner(report, document.RootElement, line.Text, line.Position, output);
            }
            catch (InvalidDataException ex)
            {
                output.Reject(line.Position, line.Text, ex);
            }
        }
    }

    void EmitBanner(Event report, JsonElement banner, string raw, string position, IEmitter output)
    {
        try
        {
            if (banner.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the banner is a JSON {banner.ValueKind}, expected an object");
            output.Emit(DhoEvent.Complete(_options.MinimalMode ? Minimal(report, banner) : Full(report, banner), _options, raw));
        }
        catch (Exception ex) when (BadInput.Is(ex))
        {
            output.Reject(position, raw, ex);
        }
    }

    Event Minimal(Event report, JsonElement banner)
    {
        var ev = DhoEvent.New(report, _options);
        DhoEvent.Add(ev, "classification.type", "other");
        DhoEvent.Add(ev, "classification.identifier", "network-scan");
        foreach (var (path, spec) in Mapping.Minimal)
            if (Member(banner, path) is { } value) Apply(ev, path, spec, value);
        DhoEvent.Add(ev, "extra.shodan", banner);
        return ev;
    }

    Event Full(Event report, JsonElement banner)
    {
        var ev = DhoEvent.New(report, _options);
        DhoEvent.Add(ev, "classification.type", "other");
        DhoEvent.Add(ev, "classification.identifier", "shodan-scan");
        var protocols = new List<string>();
        foreach (var property in banner.EnumerateObject())
        {
            var name = property.Name;
            if (name == "location" && property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var member in property.Value.EnumerateObject())
                    if (Mapping.General.TryGetValue("location." + member.Name, out var spec)) Apply(ev, "location." + member.Name, spec, member.Value);
                continue;
            }
            if (Mapping.General.TryGetValue(name, out var general))
            {
                Apply(ev, name, general, property.Value);
                continue;
            }
            if (property.Value.ValueKind != JsonValueKind.Object)
            {
                Apply(ev, name, "extra." + name, property.Value);
                continue;
            }
            protocols.Add(name);
            foreach (var member in property.Value.EnumerateObject())
            {
                var path = name + "." + member.Name;
                if (Mapping.IgnoredProtocolMembers.Contains(path)) continue;
                Apply(ev, path, "extra." + path, Mapping.KeyedLists.Contains(path) ? KeyedList(member.Value) : member.Value);
            }
        }
        if (protocols.Count > 0) DhoEvent.Add(ev, "extra.shodan.unique_keys", JsonSerializer.SerializeToElement(protocols));
        var module = Member(banner, "_shodan.module")?.Text();
        DhoEvent.TryAdd(ev, "protocol.application", protocols.Count > 0 ? protocols[0] : module?.Split('-')[0]);
        return ev;
    }

    void Apply(Event ev, string key, string spec, JsonElement value)
    {
        if (spec == "ignore" || value.ValueKind == JsonValueKind.Null || value.GetRawText() is "\"\"" or "[]" or "{}") return;
        var field = spec;
        if (spec.StartsWith("first:", StringComparison.Ordinal))
        {
            field = spec["first:".Length..];
            if (value.ValueKind != JsonValueKind.Array) return;
            value = value[0];
        }
        object? converted = value;
        if (spec.StartsWith("asn:", StringComparison.Ordinal))
        {
            field = spec["asn:".Length..];
            var asn = value.Text();
            converted = asn is not null && asn.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? asn[2..] : asn;
        }
        else if (field is "time.source") converted = value.Text() is { } time ? DhoTime.Lenient(time) : null;
        try
        {
            DhoEvent.Add(ev, field, converted);
        }
        catch (InvalidFieldException) when (_options.IgnoreErrors)
        {
            DhoEvent.Add(ev, "extra.shodan.refused." + key, value);
        }
    }

    /// <summary>{"MLST": {"parameters": [...]}} as [{"identifier": "MLST", "parameters": [...]}], as IntelMQ lists FTP features.</summary>
    static JsonElement KeyedList(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object) return value;
        var list = new JsonArray();
        foreach (var entry in value.EnumerateObject())
        {
            var item = new JsonObject { ["identifier"] = entry.Name };
            if (entry.Value.ValueKind == JsonValueKind.Object)
                foreach (var member in entry.Value.EnumerateObject()) item[member.Name] = JsonNode.Parse(member.Value.GetRawText());
            list.Add(item);
        }
        return JsonSerializer.SerializeToElement(list);
    }

    static JsonElement? Member(JsonElement banner, string path)
    {
        var current = banner;
        foreach (var part in path.Split('.'))
            if (current.Member(part) is { } next) current = next;
            else return null;
        return current;
    }
}

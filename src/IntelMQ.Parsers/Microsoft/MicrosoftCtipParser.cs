using System.Text;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Microsoft;

/// <summary>Microsoft's Cyber Threat Intelligence Program (CTIP) sinkhole data: the Interflow list and the Azure JSON lines.</summary>
[Program("microsoft-ctip-parser", ProgramKind.Parser, "Parses Microsoft CTIP infected-host data (Infected, C2), from Interflow (JSON list) or Azure (JSON lines).",
    Modules = ["intelmq.bots.parsers.microsoft.parser_ctip"],
    Options = typeof(MicrosoftCtipParserOptions),
    Description = """
        Reads a JSON list (Interflow's CTIP Infected files) or JSON lines (the Azure storage's ctip-infected-summary blobs);
        each record is an event of classification.type infected-system, its format told by its keys.

        Interflow records: networksourceipv4/port/asn give source.*, networkdestinationipv4/port destination.* (0.0.0.0
        is no address; of a list, the first), externalid malware.name, description event_description.text,
        firstreporteddatetime time.source, confidence feed.accuracy (scaled by the report's), tlplevel tlp, hostname
        destination.fqdn when it is one, useragent extra.user_agent, isproductlicensed, ispartnershareable and a non-empty
        additionalmetadata extra.*. event.original is the record as IntelMQ writes it (a JSON list of it).

        Azure records: SourceIp/SourcePort and SourceIpInfo give source.* (ASN, AS name, country, region, city,
        coordinates; postal code, area and metro code, connection type under extra.source.*), DestinationIp/DestinationPort
        (or TargetIp/TargetPort) destination.*, ThreatCode malware.name, Malware extra.malware, SourcedFrom
        event_description.text, DateTimeReceivedUtc (Windows NT time) time.source, ThreatConfidence (Low, Medium, High)
        feed.accuracy, TLP tlp (Yellow is AMBER), TotalEncounters extra.total_encounters, HttpInfo extra.http.* and
        extra.user_agent, CustomInfo extra.custom_field1..5, DataFeed feed.name (see overwrite). Payload, base64 or plain,
        is read as JSON when it is an object: domain gives destination.fqdn, type protocol.application, ts
        extra.payload.timestamp, the rest extra.payload.* (source_x as extra.payload.source.x); other text is
        extra.payload.text. event.original is the line. The C2 feed (container ctip-c2) has the same format and is read
        alike (its hosts are infected ones talking to live C2 servers); a bad record or line goes to the dump with its position. Interflow has been retired; the parser reads its archives.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "destination.*", "threat.software.name", "classification.type", "message", "@timestamp", "feed.accuracy", "feed.name",
        "threat.indicator.marking.tlp", "network.protocol", "custom.*", "event.original", "event.id"],
    Examples =
    [
        "intelmq run microsoft-ctip-parser --in-format dho --out-format dho < ctip-reports.jsonl",
        "# input:",
        "#   {\"DataFeed\":\"CTIP-Infected\",\"SourcedFrom\":\"SinkHoleMessage\",\"DateTimeReceivedUtc\":132348339284870000,\"ThreatCode\":\"B67-SS-TINBA\",\"ThreatConfidence\":\"High\",\"TLP\":\"Amber\",\"SourceIp\":\"192.0.2.1\",\"SourcePort\":65116,\"DestinationIp\":\"198.51.100.7\",\"DestinationPort\":80}",
        "# output (--out-format dho; raw, feed.name and time.observation left out):",
        "#   {\"__type\": \"Event\", \"classification.type\": \"infected-system\", \"event_description.text\": \"SinkHoleMessage\", \"time.source\": \"2020-05-24T22:45:28.487000+00:00\", \"malware.name\": \"b67-ss-tinba\", \"feed.accuracy\": 100.0, \"tlp\": \"AMBER\", \"source.ip\": \"192.0.2.1\", \"source.port\": 65116, \"destination.ip\": \"198.51.100.7\", \"destination.port\": 80}",
    ])]
public sealed class MicrosoftCtipParser(MicrosoftCtipParserOptions? options = null) : IParser
{
    static readonly Dictionary<string, int> Confidence = new(StringComparer.OrdinalIgnoreCase) { ["Low"] = 20, ["Medium"] = 50, ["High"] = 100 };

    static readonly (string Key, string Field)[] SourceIpInfo =
    [
        ("SourceIpAsnNumber", "source.asn"), ("SourceIpAsnOrgName", "source.as_name"), ("SourceIpCountryCode", "source.geolocation.cc"),
        ("SourceIpRegion", "source.geolocation.region"), ("SourceIpCity", "source.geolocation.city"),
        ("SourceIpPostalCode", "extra.source.geolocation.postal_code"), ("SourceIpLatitude", "source.geolocation.latitude"),
        ("SourceIpLongitude", "source.geolocation.longitude"), ("SourceIpMetroCode", "extra.source.geolocation.metro_code"),
        ("SourceIpAreaCode", "extra.source.geolocation.area_code"), ("SourceIpConnectionType", "extra.source.connection_type"),
    ];

    static readonly (string Key, string Field)[] HttpInfo =
    [
        ("HttpHost", "extra.http.host"), ("HttpRequest", "extra.http.request"), ("HttpMethod", "extra.http.method"),
        ("HttpReferrer", "extra.http.referrer"), ("HttpUserAgent", "extra.user_agent"), ("HttpVersion", "extra.http.version"),
    ];

    readonly MicrosoftCtipParserOptions _options = options ?? new MicrosoftCtipParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        while (body.Peek() is var c && c >= 0 && char.IsWhiteSpace((char)c)) body.Read();
        if (body.Peek() == '[')
        {
            foreach (var (index, record) in JsonReport.ReadList(body, output))
                EmitRecord(report, record, null, $"element {index}", output);
            return;
        }
        foreach (var line in ReportLines.Read(body, output))
        {
            if (line.Text.Trim().Length == 0) continue;
            JsonDocument document;
            try
            {
                document = JsonReport.Parse(line.Text);
            }
            catch (InvalidDataException ex)
            {
                output.Reject(line.Position, line.Text, ex);
                continue;
            }
            using (document) EmitRecord(report, document.RootElement, line.Text, line.Position, output);
        }
    }

    void EmitRecord(Event report, JsonElement record, string? line, string position, IEmitter output)
    {
        try
        {
            if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the record is a JSON {record.ValueKind}, expected an object");
            var ev = record.Member("DataFeed") is not null ? Azure(report, record) : Interflow(report, record);
            output.Emit(DhoEvent.Complete(ev, _options, line ?? (record.Member("DataFeed") is null ? PythonJson.DumpsAsList(record) : PythonJson.Dumps(record))));
        }
        catch (Exception ex) when (BadInput.Is(ex))
        {
            output.Reject(position, line ?? record.GetRawText(), ex);
        }
    }

    Event Interflow(Event report, JsonElement record)
    {
        var ev = DhoEvent.New(report, _options);
        var threat = record.Text("indicatorthreattype");
        if (!string.Equals(threat, "Botnet", StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"indicatorthreattype '{threat}' is not a CTIP Infected record (Botnet)");
        DhoEvent.Add(ev, "classification.type", "infected-system");
        DhoEvent.Add(ev, "event_description.text", record.Text("description"));
        DhoEvent.Add(ev, "malware.name", record.Text("externalid"));
        ScaleAccuracy(ev, record.Text("confidence") is { } confidence ? double.Parse(confidence, System.Globalization.CultureInfo.InvariantCulture) : null);
        if (record.Text("firstreporteddatetime") is { } time) DhoEvent.Add(ev, "time.source", DhoTime.Lenient(time));
        DhoEvent.Add(ev, "source.ip", record.Text("networksourceipv4"));
        DhoEvent.Add(ev, "source.port", record.Text("networksourceport"));
        DhoEvent.Add(ev, "source.asn", record.Text("networksourceasn"));
        var destination = record.Text("networkdestinationipv4")?.Split(',')[0].Trim();
        if (destination != "0.0.0.0") DhoEvent.Add(ev, "destination.ip", destination);
        DhoEvent.Add(ev, "destination.port", record.Text("networkdestinationport"));
        DhoEvent.Add(ev, "extra.isproductlicensed", record.Text("isproductlicensed"));
        DhoEvent.Add(ev, "extra.ispartnershareable", record.Text("ispartnershareable"));
        if (record.Member("additionalmetadata") is { ValueKind: JsonValueKind.Array } metadata
            && metadata.EnumerateArray().Any(m => m.ValueKind != JsonValueKind.Null && m.GetRawText() is not ("\"\"" or "\"null\"")))
            DhoEvent.Add(ev, "extra.additionalmetadata", metadata);
        if (record.Text("hostname") is { } host && host != destination) DhoEvent.TryAdd(ev, "destination.fqdn", host);
        DhoEvent.Add(ev, "extra.user_agent", record.Text("useragent"));
        AddTlp(ev, record.Text("tlplevel"));
        return ev;
    }

    Event Azure(Event report, JsonElement record)
    {
        var ev = DhoEvent.New(report, _options);
        var feed = record.Text("DataFeed");
        if (_options.Overwrite || !DhoEvent.Has(ev, "feed.name")) DhoEvent.Add(ev, "feed.name", feed, overwrite: true);
        DhoEvent.Add(ev, "classification.type", "infected-system");
        DhoEvent.Add(ev, "event_description.text", record.Text("SourcedFrom"));
        if (record.Text("DateTimeReceivedUtc") is { } received)
            DhoEvent.Add(ev, "time.source", DhoTime.WindowsNt(double.Parse(received, System.Globalization.CultureInfo.InvariantCulture)));
        DhoEvent.Add(ev, "extra.malware", record.Text("Malware"));
        DhoEvent.Add(ev, "malware.name", record.Text("ThreatCode"));
        if (record.Text("ThreatConfidence") is { } confidence)
            ScaleAccuracy(ev, Confidence.TryGetValue(confidence, out var value) ? value : throw new InvalidDataException($"ThreatConfidence '{confidence}' is not Low, Medium or High"));
        DhoEvent.Add(ev, "extra.total_encounters", record.Member("TotalEncounters"));
        AddTlp(ev, record.Text("TLP"));
        DhoEvent.Add(ev, "source.ip", record.Text("SourceIp"));
        DhoEvent.Add(ev, "source.port", record.Text("SourcePort"));
        DhoEvent.Add(ev, "destination.ip", record.Text("DestinationIp") ?? record.Text("TargetIp"));
        DhoEvent.Add(ev, "destination.port", record.Text("DestinationPort") ?? record.Text("TargetPort"));
        if (record.Member("SourceIpInfo") is { } info)
            foreach (var (key, field) in SourceIpInfo)
                if (info.Member(key) is { } value && !(field.StartsWith("extra.source.geolocation.", StringComparison.Ordinal) && value.GetRawText() == "0"))
                    DhoEvent.Add(ev, field, value);
        if (record.Member("HttpInfo") is { } http)
            foreach (var (key, field) in HttpInfo) DhoEvent.Add(ev, field, http.Text(key));
        if (record.Member("CustomInfo") is { } custom)
            for (var i = 1; i <= 5; i++) DhoEvent.Add(ev, $"extra.custom_field{i}", custom.Text($"CustomField{i}"));
        if (record.Text("Payload") is { Length: > 0 } payload) AddPayload(ev, payload);
        return ev;
    }

    static void AddPayload(Event ev, string payload)
    {
        var text = payload.TrimStart().StartsWith('{') ? payload : Base64Text(payload) ?? payload;
        if (!text.TrimStart().StartsWith('{'))
        {
            DhoEvent.Add(ev, "extra.payload.text", text);
            return;
        }
        using var document = JsonReport.Parse(text);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            var value = property.Value;
            if (value.ValueKind is JsonValueKind.Null || value.GetRawText() is "{}" or "[]" or "\"\"") continue;
            switch (property.Name)
            {
                case "ts": DhoEvent.Add(ev, "extra.payload.timestamp", DhoTime.Parse(value.GetRawText(), "timestamp")); break;
                case "domain": DhoEvent.TryAdd(ev, "destination.fqdn", value.Text()); break;
                case "type": DhoEvent.Add(ev, "protocol.application", value.Text()?.ToLowerInvariant()); break;
                case "serverIp": DhoEvent.Add(ev, "extra.payload.server.ip", value); break;
                case "serverPort": DhoEvent.Add(ev, "extra.payload.server.port", value); break;
                case var name when name.StartsWith("source_", StringComparison.Ordinal) || name.StartsWith("destination_", StringComparison.Ordinal):
                    var underscore = name.IndexOf('_');
                    DhoEvent.Add(ev, $"extra.payload.{name[..underscore]}.{name[(underscore + 1)..]}", value);
                    break;
                default: DhoEvent.Add(ev, $"extra.payload.{property.Name}", value); break;
            }
        }
    }

    static string? Base64Text(string payload)
    {
        var bytes = new byte[payload.Length];
        if (!Convert.TryFromBase64String(payload, bytes, out var length)) return null;
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    static void ScaleAccuracy(Event ev, double? confidence)
    {
        if (confidence is not { } value) return;
        var reported = DhoEvent.Has(ev, "feed.accuracy") ? Convert.ToDouble(ev[DhoEvent.Path("feed.accuracy")], System.Globalization.CultureInfo.InvariantCulture) : 100.0;
        DhoEvent.Add(ev, "feed.accuracy", reported * value / 100, overwrite: true);
    }

    static void AddTlp(Event ev, string? tlp)
    {
        var level = tlp?.Trim().ToUpperInvariant();
        if (level is null or "" or "UNKNOWN") return;
        DhoEvent.Add(ev, "tlp", level == "YELLOW" ? "AMBER" : level);
    }
}

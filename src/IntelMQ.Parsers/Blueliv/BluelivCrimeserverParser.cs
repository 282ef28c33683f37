using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Blueliv;

/// <summary>Parses Blueliv's Crimeserver JSON list: malware, phishing, C2, exploit kit and Tor servers.</summary>
[Program("blueliv-crimeserver-parser", ProgramKind.Parser, "Parses Blueliv's Crimeserver JSON feed of malicious servers (feed discontinued).",
    Modules = ["intelmq.bots.parsers.blueliv.parser_crimeserver"],
    Description = """
        Reads the JSON list of Blueliv's Crimeserver API element by element. The type sets classification.type (MALWARE:
        malware-distribution, C_AND_C: c2-server, BACKDOOR: backdoor-type c2-server, EXPLOIT_KIT: exploit, PHISHING: phishing,
        TOR_IP: proxy with source.tor_node); url gives source.url (or source.ip when it is an address), ip source.ip, country
        the country code, lastSeenAt time.source, and confidence, status, firstSeenAt and updatedAt custom fields. Blueliv's
        community API was shut down; the parser is kept for subscribers and archives. A bad element goes to the dump.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.url.full", "source.geo.country_iso_code", "source.tor_node", "custom.*", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run blueliv-crimeserver-parser --raw < crimeservers.json"])]
public sealed class BluelivCrimeserverParser : IParser
{
    static readonly Dictionary<string, string> Types = new(StringComparer.Ordinal)
    {
        ["MALWARE"] = "malware-distribution",
        ["C_AND_C"] = "c2-server",
        ["BACKDOOR"] = "c2-server",
        ["EXPLOIT_KIT"] = "exploit",
        ["PHISHING"] = "phishing",
        ["TOR_IP"] = "proxy",
    };

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        JsonReport.EmitEach(body, output, record => Build(report, record), record => PythonJson.Dumps(record));
    }

    static Event Build(Event report, JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the element is a JSON {record.ValueKind}, expected an object");
        var type = record.Text("type") ?? throw new InvalidDataException("the element has no type");
        if (!Types.TryGetValue(type, out var classification)) throw new InvalidDataException($"unknown Crimeserver type '{type}'");
        var ev = ReportFields.NewEvent(report);
        var url = record.Text("url");
        if (url is not null && FieldNormalizer.CanonicalIp(url) is null) ev.Add("source.url.full", url);
        ev.Add("source.ip", record.Text("ip") ?? (url is not null && FieldNormalizer.CanonicalIp(url) is not null ? url : null));
        ev.Add("source.geo.country_iso_code", record.Text("country"));
        ev.AddPresent("custom.confidence", record.Member("confidence"));
        ev.AddPresent("custom.status", record.Text("status"));
        ev.AddPresent("custom.time_first_seen", record.Text("firstSeenAt"));
        ev.AddPresent("custom.time_updated", record.Text("updatedAt"));
        ev.Add("@timestamp", record.Text("lastSeenAt"));
        ev.Add("classification.type", classification);
        if (type == "TOR_IP") ev.Add("source.tor_node", true);
        return ev;
    }
}

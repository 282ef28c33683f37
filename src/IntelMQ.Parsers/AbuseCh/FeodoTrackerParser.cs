using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.AbuseCh;

/// <summary>Parses abuse.ch Feodo Tracker's JSON block list of botnet C2 servers.</summary>
[Program("feodotracker-parser", ProgramKind.Parser, "Parses abuse.ch Feodo Tracker's JSON list of botnet C2 servers (Dridex, Emotet, QakBot, ...).",
    Modules = ["intelmq.bots.parsers.abusech.parser_feodotracker"],
    Description = """
        Reads https://feodotracker.abuse.ch/downloads/ipblocklist.json, a JSON list of C2 servers, element by element (a report
        of any size streams). Each element gives an event with classification.type c2-server: source.ip, source.port, status,
        source.reverse_dns (hostname), source.as.number, source.as.organization.name, the country, threat.software.name
        (the malware, lower case), custom.last_online, and time.source from first_seen, else from last_online at 00:00. The
        raw text is the element as a one-element JSON list, as IntelMQ writes it. An element that is not a JSON object or has
        a bad value goes to the dump with its position (element N).
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.port", "source.reverse_dns", "source.as.number", "source.as.organization.name", "source.geo.country_iso_code", "status",
        "threat.software.name", "custom.last_online", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run feodotracker-parser --raw < ipblocklist.json"])]
public sealed class FeodoTrackerParser : IParser
{
    public void Parse(Event report, TextReader body, IEmitter output)
    {
        JsonReport.EmitEach(body, output, record => Build(report, record), record => PythonJson.DumpsAsList(record));
    }

    static Event Build(Event report, JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the element is a JSON {record.ValueKind}, expected an object");
        var ev = ReportFields.NewEvent(report);
        ev.Add("source.ip", record.Text("ip_address"));
        ev.Add("source.port", record.Text("port"));
        ev.Add("status", record.Text("status"));
        ev.Add("source.reverse_dns", record.Text("hostname"));
        ev.Add("source.as.number", record.Text("as_number"));
        ev.Add("source.as.organization.name", record.Text("as_name"));
        ev.Add("source.geo.country_iso_code", record.Text("country"));
        if (record.Text("first_seen") is { } firstSeen) ev.Add("@timestamp", firstSeen);
        else if (record.Text("last_online") is { } lastOnline) ev.Add("@timestamp", lastOnline);
        ev.AddPresent("custom.last_online", record.Text("last_online"));
        ev.Add("threat.software.name", record.Text("malware")?.ToLowerInvariant());
        ev.Add("classification.type", "c2-server");
        return ev;
    }
}

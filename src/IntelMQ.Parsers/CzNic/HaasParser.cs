using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.CzNic;

/// <summary>Parses CZ.NIC's HaaS (Honeypot as a Service) daily JSON dumps: one SSH session per element.</summary>
[Program("cznic-haas-parser", ProgramKind.Parser, "Parses CZ.NIC's HaaS (Honeypot as a Service) SSH session logs.",
    Modules = ["intelmq.bots.parsers.cznic.parser_haas"],
    Description = """
        Reads a HaaS daily dump (https://haas.nic.cz/stats/export/...json), a JSON list of SSH sessions, element by element.
        Each session gives an event with source.ip, its country, time.source (time), custom.time_closed, custom.commands,
        destination.port 22, protocol ssh over tcp. A session whose login succeeded is system-compromise; one whose login
        failed is brute-force with custom.count 1. The raw text is the element as a one-element JSON list, as IntelMQ
        writes it. A bad element goes to the dump with its position.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.geo.country_iso_code", "destination.port", "network.protocol", "network.transport", "custom.*", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run cznic-haas-parser --raw < 2020-06-29.json"])]
public sealed class HaasParser : IParser
{
    public void Parse(Event report, TextReader body, IEmitter output)
    {
        JsonReport.EmitEach(body, output, record => Build(report, record), record => PythonJson.DumpsAsList(record));
    }

    static Event Build(Event report, JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the element is a JSON {record.ValueKind}, expected an object");
        var ev = ReportFields.NewEvent(report);
        ev.Add("@timestamp", record.Text("time"));
        ev.Add("source.ip", record.Text("ip"));
        ev.Add("source.geo.country_iso_code", record.Text("country"));
        ev.AddPresent("custom.commands", record.Member("commands"));
        ev.AddPresent("custom.time_closed", record.Text("time_closed"));
        ev.Add("destination.port", 22L);
        ev.Add("network.protocol", "ssh");
        ev.Add("network.transport", "tcp");
        if (record.Member("login_successful") is { ValueKind: JsonValueKind.True }) ev.Add("classification.type", "system-compromise");
        else
        {
            ev.Add("classification.type", "brute-force");
            ev.Add("custom.count", 1L);
        }
        return ev;
    }
}

using System.Globalization;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.AlienVault;

/// <summary>Parses AlienVault's IP reputation list: "ip#risk#reliability#types#cc#city#lat,long#..." lines.</summary>
[Program("alienvault-parser", ProgramKind.Parser, "Parses AlienVault's IP reputation list (reputation.data; feed discontinued).",
    Modules = ["intelmq.bots.parsers.alienvault.parser"],
    Description = """
        Reads https://reputation.alienvault.com/reputation.data: lines of IP, risk, reliability, activity types (separated by
        ';'), country code, city, "latitude,longitude" and a count, separated by '#'. Emits one event per activity type
        (Scanning Host: scanner, Malicious Host: infected-system, Spamming: spam, C&C: c2-server, Malware Domain/IP:
        malware-distribution, Phishing: phishing; anything else: blacklist) with source.ip and its geolocation. AlienVault no
        longer publishes the list; the parser is kept for archives. A line without 8 fields goes to the dump.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.geo.*", "classification.type", "event.original"],
    Examples = ["intelmq run alienvault-parser --raw < reputation.data"])]
public sealed class AlienVaultParser : LineListParser
{
    static readonly Dictionary<string, string> Types = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Scanning Host"] = "scanner",
        ["Malicious Host"] = "infected-system",
        ["Spamming"] = "spam",
        ["C&C"] = "c2-server",
        ["Malware Domain"] = "malware-distribution",
        ["Malware IP"] = "malware-distribution",
        ["Malware distribution"] = "malware-distribution",
        ["Phishing"] = "phishing",
    };

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var fields = line.Text.Split('#');
        if (fields.Length < 8) throw new InvalidDataException($"expected 8 '#'-separated fields, found {fields.Length}");
        var location = fields[6].Split(',');
        foreach (var activity in fields[3].Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var ev = ReportFields.NewEvent(report);
            ev.Add("source.ip", fields[0]);
            ev.Add("classification.type", Types.GetValueOrDefault(activity, "blacklist"));
            ev.Add("source.geo.country_iso_code", fields[4]);
            ev.Add("source.geo.city_name", fields[5]);
            if (location.Length == 2)
            {
                ev.Add("source.geo.location.lat", double.Parse(location[0], CultureInfo.InvariantCulture));
                ev.Add("source.geo.location.lon", double.Parse(location[1], CultureInfo.InvariantCulture));
            }
            output.EmitParsed(ev, line.Text);
        }
    }
}

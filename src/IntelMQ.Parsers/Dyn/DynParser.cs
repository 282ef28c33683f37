using System.Globalization;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Dyn;

/// <summary>Parses the DynDNS ponmocup list: each line names a malware domain and the web server infected to redirect to it.</summary>
[Program("dyn-parser", ProgramKind.Parser, "Parses DynDNS' ponmocup list of malware redirection domains and infected web servers (feed discontinued).",
    Modules = ["intelmq.bots.parsers.dyn.parser"],
    Description = """
        Reads the ponmocup-infected-domains-CIF-latest.txt list of security-research.dyndns.org: lines of "malware-IP
        malware-domain malware-URL infected-domain" ("/" where there is no IP). Emits two events per line: the malware domain
        (classification.type malware-distribution, source.fqdn, source.url, destination.fqdn the infected domain) and the
        infected server (system-compromise, source.fqdn the infected domain, destination.fqdn and destination.url the
        malware's). time.source is the header's "last updated" time with its time zone (PDT, PST, UTC, ...). The feed no
        longer exists; the parser is kept for archives. A line without four fields goes to the dump with its line number.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.domain", "source.url.full", "destination.ip", "destination.domain", "destination.url.full", "message", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run dyn-parser --raw < ponmocup-infected-domains-CIF-latest.txt"])]
public sealed partial class DynParser : LineListParser
{
    sealed class State
    {
        public DateTimeOffset? Updated;
    }

    static readonly Dictionary<string, int> Zones = new(StringComparer.OrdinalIgnoreCase)
    {
        ["UTC"] = 0, ["GMT"] = 0, ["PST"] = -8, ["PDT"] = -7, ["MST"] = -7, ["MDT"] = -6, ["CST"] = -6, ["CDT"] = -5, ["EST"] = -5, ["EDT"] = -4, ["CET"] = 1, ["CEST"] = 2,
    };

    [GeneratedRegex(@"^#\s*last updated:\s*\w{3}\s+(\w{3})\s+(\d{1,2})\s+(\d{2}:\d{2}:\d{2})\s+([A-Za-z]+)\s+(\d{4})")]
    private static partial Regex LastUpdated();

    protected override object Begin(Event report) => new State();

    protected override void Comment(object? state, string line)
    {
        if (LastUpdated().Match(line) is not { Success: true } m || !Zones.TryGetValue(m.Groups[4].Value, out var offset)) return;
        if (DateTime.TryParseExact($"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[5].Value} {m.Groups[3].Value}", "MMM d yyyy HH:mm:ss",
                CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
            ((State)state!).Updated = new DateTimeOffset(local, TimeSpan.FromHours(offset));
    }

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var fields = line.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 4) throw new InvalidDataException($"expected 4 space-separated fields (malware IP, malware domain, malware URL, infected domain), found {fields.Length}");
        var ip = fields[0] == "/" ? null : fields[0];
        var updated = ((State)state!).Updated;

        var malware = ReportFields.NewEvent(report);
        malware.Add("source.ip", ip);
        malware.Add("source.domain", fields[1]);
        malware.Add("source.url.full", fields[2]);
        malware.Add("destination.domain", fields[3]);
        malware.Add("message", "has malicious code redirecting to malicious host");
        malware.Add("classification.type", "malware-distribution");
        if (updated is { } t1) malware.Add("@timestamp", Timestamps.Format(t1));

        var infected = ReportFields.NewEvent(report);
        infected.Add("source.domain", fields[3]);
        infected.Add("destination.ip", ip);
        infected.Add("destination.domain", fields[1]);
        infected.Add("destination.url.full", fields[2]);
        infected.Add("message", "host has been compromised and has malicious code infecting users");
        infected.Add("classification.type", "system-compromise");
        if (updated is { } t2) infected.Add("@timestamp", Timestamps.Format(t2));

        output.EmitParsed(malware, line.Text);
        output.EmitParsed(infected, line.Text);
    }
}

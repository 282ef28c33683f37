using System.Globalization;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Cymru;

/// <summary>
/// Parses Team Cymru's CAP program (CSIRT Assistance Program) reports, old and new format: "category|ip|asn|time|information|AS".
/// </summary>
[Program("cymru-cap-program-parser", ProgramKind.Parser, "Parses Team Cymru's CAP (CSIRT Assistance Program) reports, old and new format.",
    Modules = ["intelmq.bots.parsers.cymru.parser_cap_program"],
    Description = """
        Reads a CAP report: pipe-separated lines of category, IP, ASN, UTC time, optional information and AS name (with ", CC"
        in the new format), under comment lines. The category sets classification.type and classification.identifier (bot,
        bots and conficker: infected-system with the malware family; controller: c2-server; bruteforce: brute-force; darknet,
        scanner, honeypot: scanner; openresolver(s): vulnerable-system; phishing; proxy; spam). The information field is read in
        both formats: the old "srcport 1337 mwtype Conficker destaddr 192.0.2.1" and the new "family: x; dest_addr: ...;
        port: ...; protocol: 6;" (protocol numbers become their IANA names; an unknown one is kept in
        custom.protocol.transport). A darknet line listing several destination ports gives one event per port. The raw text
        of each event is the report's comment header and the line, as IntelMQ keeps it. A line that does not fit goes to the
        dump with its line number.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.port", "source.domain", "source.url.full", "source.user.name", "source.as.number", "source.as.organization.name", "source.geo.country_iso_code",
        "destination.ip", "destination.port", "network.transport", "network.protocol", "threat.software.name", "message", "custom.*", "@timestamp", "classification.type", "classification.identifier", "event.original"],
    Examples = ["intelmq run cymru-cap-program-parser --raw < cap-report.txt"])]
public sealed partial class CymruCapProgramParser : LineListParser
{
    sealed class State
    {
        public readonly List<string> Header = [];
        public string? HeaderText;
    }

    sealed record Category(string Type, string? Identifier, string? Application = null);

    static readonly Dictionary<string, Category> Categories = new(StringComparer.Ordinal)
    {
        ["bot"] = new("infected-system", null),
        ["bots"] = new("infected-system", null),
        ["conficker"] = new("infected-system", "conficker"),
        ["controller"] = new("c2-server", null),
        ["bruteforce"] = new("brute-force", null),
        ["darknet"] = new("scanner", "darknet"),
        ["scanner"] = new("scanner", "scanner"),
        ["honeypot"] = new("scanner", null),
        ["openresolver"] = new("vulnerable-system", "dns-open-resolver", "dns"),
        ["openresolvers"] = new("vulnerable-system", "dns-open-resolver", "dns"),
        ["phishing"] = new("phishing", "phishing"),
        ["proxy"] = new("proxy", "openproxy"),
        ["spam"] = new("spam", "spam"),
    };

    static readonly string[] OldKeywords = ["srcport", "mwtype", "destaddr", "dstaddr"];

    [GeneratedRegex(@"^(?<application>[a-z0-9]+)-(?<port>\d+)$")]
    private static partial Regex ApplicationPort();

    // The known keys only: a missing ';' ("hostname: a.example.comport: 80") still splits at the next key.
    [GeneratedRegex(@"(?<key>destination_port_numbers|darknet_port|honeypot_port|ports_scanned|additional_asns|proxy_type|total_count|dest_addr|dest_port|destaddr|dstaddr|srcport|family|hostname|username|protocol|port):\s*")]
    private static partial Regex Key();

    protected override object Begin(Event report) => new State();

    protected override void Comment(object? state, string line) => ((State)state!).Header.Add(line);

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var s = (State)state!;
        s.HeaderText ??= string.Join("\n", s.Header);
        var raw = s.HeaderText.Length > 0 ? s.HeaderText + "\n" + line.Text : line.Text;
        var fields = line.Text.Split('|');
        if (fields.Length != 6) throw new InvalidDataException($"expected 6 '|'-separated fields (category, ip, asn, time, information, AS name), found {fields.Length}");
        if (!Categories.TryGetValue(fields[0], out var category)) throw new InvalidDataException($"unknown CAP category '{fields[0]}'");

        var ev = ReportFields.NewEvent(report);
        ev.Add("source.ip", fields[1]);
        if (fields[2] != "0") ev.Add("source.as.number", fields[2]);
        ev.Add("@timestamp", fields[3]);
        var asInfo = fields[5];
        if (asInfo.Length > 4 && asInfo[^4..^2] == ", " && char.IsAsciiLetterUpper(asInfo[^2]) && char.IsAsciiLetterUpper(asInfo[^1]))
        {
            ev.Add("source.geo.country_iso_code", asInfo[^2..]);
            asInfo = asInfo[..^4];
        }
        ev.Add("source.as.organization.name", asInfo);
        ev.Add("classification.type", category.Type);
        if (category.Identifier is not null) ev.Add("classification.identifier", category.Identifier);
        if (category.Application is not null) ev.Add("network.protocol", category.Application);
        if (category.Identifier == "conficker") ev.Add("threat.software.name", "conficker");

        var information = fields[4].Trim();
        var ports = new List<string>();
        if (information.Length > 0)
        {
            if (Key().IsMatch(information)) ReadNew(fields[0], information, ev, ports);
            else if (OldKeywords.Any(k => information.StartsWith(k + " ", StringComparison.Ordinal))) ReadOld(information, ev);
            else ReadBare(fields[0], information.TrimEnd(';').Trim(), ev);
        }

        if (ports.Count == 0)
        {
            output.EmitParsed(ev, raw);
            return;
        }
        foreach (var port in ports)
        {
            var copy = ev.Clone();
            copy.Add("destination.port", port);
            output.EmitParsed(copy, raw);
        }
    }

    // "ssh;" of bruteforce, a URL of phishing, "socks4-61039;" or "HTTP CONNECT (8080)" of proxy.
    static void ReadBare(string category, string value, Event ev)
    {
        switch (category)
        {
            case "phishing":
                ev.Add("source.url.full", value);
                break;
            case "proxy":
                if (ApplicationPort().Match(value) is { Success: true } m)
                {
                    ev.Add("network.protocol", m.Groups["application"].Value);
                    ev.Add("source.port", m.Groups["port"].Value);
                }
                else ev.Add("custom.request", value);
                break;
            case "bruteforce":
                ev.Add("classification.identifier", value);
                ev.Add("network.protocol", value);
                break;
            default:
                ev.Add("custom.information", value);
                break;
        }
    }

    // "srcport 1337 mwtype Conficker destaddr 192.0.2.1 Some Botnet": a keyword takes the next word; mwtype every word up to
    // the next keyword; words left after another keyword's value are a description.
    static void ReadOld(string information, Event ev)
    {
        var words = information.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? malware = null;
        var description = new List<string>();
        for (var i = 0; i < words.Length; i++)
        {
            switch (words[i])
            {
                case "srcport" when i + 1 < words.Length:
                    ev.Add("custom.source_port", long.Parse(words[++i], CultureInfo.InvariantCulture));
                    break;
                case "destaddr" or "dstaddr" when i + 1 < words.Length:
                    ev.Add("destination.ip", words[++i]);
                    break;
                case "mwtype" when i + 1 < words.Length:
                    var name = new List<string>();
                    while (i + 1 < words.Length && !OldKeywords.Contains(words[i + 1])) name.Add(words[++i]);
                    malware = string.Join(' ', name);
                    break;
                default:
                    description.Add(words[i]);
                    break;
            }
        }
        if (malware is not null)
        {
            ev.Add("threat.software.name", malware.ToLowerInvariant());
            ev.Add("classification.identifier", malware.ToLowerInvariant(), overwrite: true);
        }
        if (description.Count > 0) ev.Add("message", string.Join(' ', description));
    }

    // "family: nivdort;dest_addr: 192.0.2.1; dest_port: 80;protocol: 6;"; the keys are found even without a ';' between them.
    static void ReadNew(string category, string information, Event ev, List<string> ports)
    {
        var matches = Key().Matches(information);
        var leading = information[..matches[0].Index].Trim().TrimEnd(';').Trim();
        if (leading.Length > 0) ReadBare(category, leading, ev);
        for (var i = 0; i < matches.Count; i++)
        {
            var key = matches[i].Groups["key"].Value;
            var start = matches[i].Index + matches[i].Length;
            var end = i + 1 < matches.Count ? matches[i + 1].Index : information.Length;
            var value = information[start..end].Trim().TrimEnd(';').Trim();
            switch (key)
            {
                case "family":
                    ev.Add("threat.software.name", value.ToLowerInvariant(), overwrite: true);
                    ev.Add("classification.identifier", value.ToLowerInvariant(), overwrite: true);
                    break;
                case "dest_addr" or "destaddr" or "dstaddr":
                    ev.Add("destination.ip", value);
                    break;
                case "dest_port":
                    ev.Add("destination.port", value);
                    break;
                case "port" or "srcport":
                    ev.Add("source.port", value);
                    break;
                case "protocol":
                    var number = int.Parse(value, CultureInfo.InvariantCulture);
                    if (IpProtocols.Name(number) is { } name) ev.Add("network.transport", name);
                    else ev.Add("custom.protocol.transport", (long)number);
                    break;
                case "hostname":
                    if (FieldNormalizer.CanonicalIp(value) is null) ev.Add("source.domain", value);
                    break;
                case "username":
                    ev.Add("source.user.name", value);
                    break;
                case "proxy_type":
                    if (ApplicationPort().Match(value) is { Success: true } m)
                    {
                        ev.Add("network.protocol", m.Groups["application"].Value);
                        ev.Add("source.port", m.Groups["port"].Value);
                    }
                    else ev.Add("network.protocol", value);
                    break;
                case "additional_asns":
                    var asns = new System.Text.Json.Nodes.JsonArray();
                    if (ev["source.as.number"] is long own) asns.Add(own);
                    foreach (var asn in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                        asns.Add(long.Parse(asn, CultureInfo.InvariantCulture));
                    ev.Add("custom.source.asns", asns);
                    break;
                case "darknet_port" or "ports_scanned" or "destination_port_numbers" or "honeypot_port":
                    var list = value;
                    var total = list.IndexOf('(');
                    if (total >= 0) list = list[..total];
                    ports.AddRange(list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
                    break;
                case "total_count":
                    break;
                default:
                    ev.Add("custom." + key, value);
                    break;
            }
        }
    }
}

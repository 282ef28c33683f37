using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Spamhaus;

/// <summary>Spamhaus' CERT portal feed: infected and abusing hosts of a CERT's constituency, one CSV line each.</summary>
[Program("spamhaus-cert-parser", ProgramKind.Parser, "Parses the Spamhaus CERT portal feed (bots, scanners, spam sources).",
    Modules = ["intelmq.bots.parsers.spamhaus.parser_cert"],
    Options = typeof(CommonParserOptions),
    Description = """
        Lines "ip, asn, country, lastseen, botname, domain, remote_ip, remote_port, local_port, protocol" (";" starts a comment).
        A botname Spamhaus uses for an activity (sshauth, openrelay, wpscanner, iotscan, extortion, misc, l_spamlink, ...)
        gives its classification, protocol and description; any other botname is a malware family: classification.type
        infected-system and malware.name (auto is s_other, iot<name> is <name>), with the domain as destination.fqdn.
        remote_ip and remote_port give destination.*, local_port extra.source.local_port; l_spamlink's last cell is
        spam_ip:version:malware. ? and - are no value. The API key is removed from feed.url. The header line and the line are
        event.original.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "destination.*", "network.*", "threat.software.*", "classification.*", "message", "event.reference", "feed.documentation", "@timestamp", "custom.*", "event.original", "event.id"],
    Examples = ["intelmq run spamhaus-cert-parser --raw < cert-portal.csv"])]
public sealed partial class SpamhausCertParser(CommonParserOptions? options = null) : IParser
{
    /// <summary>An activity Spamhaus reports under a botname of its own.</summary>
    sealed record Activity(string Type, string Identifier, string? Application = null, string? Text = null, string? Url = null);

    static readonly Dictionary<string, Activity> Activities = new(StringComparer.Ordinal)
    {
        ["iotrdp"] = new("scanner", "rdp", "rdp"),
        ["openrelay"] = new("vulnerable-system", "openrelay", "smtp"),
        ["sshauth"] = new("brute-force", "ssh", "ssh"),
        ["telnetauth"] = new("brute-force", "telnet", "telnet"),
        ["smtpauth"] = new("brute-force", "smtp", "smtp"),
        ["imap"] = new("brute-force", "imap", "imap"),
        ["wpscanner"] = new("scanner", "wordpress-vulnerabilities", "http", "scanning for wordpress vulnerabilities"),
        ["w_wplogin"] = new("scanner", "wordpress-login", "http", "scanning for wordpress login pages"),
        ["proxyget"] = new("other", "proxyget", null, "The malicious client used a honeypot as proxy."),
        ["iotscan"] = new("scanner", "telnet", "telnet", "The possibly infected IoT device scanned for other vulnerable IoT devices."),
        ["authspoofbadehlo"] = new("brute-force", "authentication-spoof", "smtp", "The device spoofed SMTP authentication with a bad EHLO."),
        ["extortion"] = new("spam", "extortion", "smtp", "This device sent extortion mails."),
        ["misc"] = new("spam", "spam", "smtp", "This device is sending spam as part of a botnet. See abuseat.org for more details.", "https://www.abuseat.org/lookup.cgi"),
        ["l_spamlink"] = new("spam", "spamlink", null, "The URL appeared in a spam email sent by extra.spam_ip."),
    };

    static readonly string FeedUrl = DhoMapping.ToIdf("feed.url")!;
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        string? header = null;
        var cells = new List<string>();
        LineParser.Run(body, output, line =>
        {
            if (line.Trim().Length == 0) return [];
            if (line.StartsWith(';'))
            {
                header ??= line;
                return [];
            }
            if (!PythonCsv.TrySplit(line, ',', cells) || cells.Count < 10) throw new InvalidDataException("expected 10 cells: ip, asn, country, lastseen, botname, domain, remote_ip, remote_port, local_port, protocol");
            string? Cell(int i) => cells[i].Trim() is "" or "?" or "-" ? null : cells[i].Trim();
            var ev = DhoEvent.New(report, _options);
            if (ev[FeedUrl] is string feedUrl) ev.Add(FeedUrl, ApiKey().Replace(feedUrl, ""), overwrite: true);
            DhoEvent.Add(ev, "source.ip", Cell(0));
            if (Cell(1) is { } asn) DhoEvent.Add(ev, "source.asn", asn.StartsWith("AS", StringComparison.OrdinalIgnoreCase) ? asn[2..] : asn);
            DhoEvent.Add(ev, "source.geolocation.cc", Cell(2));
            if (Cell(3) is { } seen) DhoEvent.Add(ev, "time.source", DhoTime.Parse(seen, "timestamp"));
            var bot = Cell(4) ?? throw new InvalidDataException("the line has no botname");
            if (bot != "l_spamlink") DhoEvent.Add(ev, "destination.ip", Cell(6)); // l_spamlink's remote_ip is the URL
            DhoEvent.Add(ev, "destination.port", Cell(7));
            DhoEvent.Add(ev, "protocol.transport", Cell(9));
            if (Activities.TryGetValue(bot, out var activity))
            {
                DhoEvent.Add(ev, "classification.type", activity.Type);
                DhoEvent.Add(ev, "classification.identifier", activity.Identifier);
                DhoEvent.Add(ev, "protocol.application", activity.Application);
                DhoEvent.Add(ev, "event_description.text", activity.Text);
                DhoEvent.Add(ev, "event_description.url", activity.Url);
                DhoEvent.Add(ev, "feed.documentation", activity.Url, overwrite: activity.Url is not null);
                if (bot == "l_spamlink")
                {
                    DhoEvent.Add(ev, "source.url", Cell(5) ?? Cell(6));
                    if (Cell(8)?.Split(':') is [var spamIp, var version, var malware])
                    {
                        DhoEvent.Add(ev, "extra.spam_ip", spamIp);
                        DhoEvent.Add(ev, "malware.version", version);
                        DhoEvent.Add(ev, "malware.name", malware);
                    }
                }
                else if (Cell(8) is { } localPort) DhoEvent.Add(ev, "extra.source.local_port", long.Parse(localPort, System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                var malware = bot == "auto" ? "s_other" : bot.StartsWith("iot", StringComparison.Ordinal) && bot.Length > 3 ? bot[3..] : bot;
                DhoEvent.Add(ev, "classification.type", "infected-system");
                if (malware != bot) DhoEvent.Add(ev, "classification.identifier", malware == "s_other" ? null : malware);
                DhoEvent.Add(ev, "malware.name", malware);
                DhoEvent.TryAdd(ev, "destination.fqdn", Cell(5) is { } domain && domain != Cell(6) ? domain : null);
                if (Cell(8) is { } localPort) DhoEvent.Add(ev, "extra.source.local_port", long.Parse(localPort, System.Globalization.CultureInfo.InvariantCulture));
            }
            return new[] { DhoEvent.Complete(ev, _options, header is null ? "" : header + "\n", line) };
        });
    }

    [GeneratedRegex(@"key=[^&]*")]
    private static partial Regex ApiKey();
}

using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.BlocklistDe;

/// <summary>Parses Blocklist.de's lists, one IP address per line; what the addresses did comes from the list's file name.</summary>
[Program("blocklistde-parser", ProgramKind.Parser, "Parses Blocklist.de's IP lists (ssh, mail, apache, imap, ftp, sip, bots, bruteforcelogin, strongips, ircbot).",
    Modules = ["intelmq.bots.parsers.blocklistde.parser"],
    Description = """
        Reads a Blocklist.de list (https://lists.blocklist.de/lists/<list>.txt), one IP address per line, and emits one event
        per address. The list is recognised by the file name at the end of the report's feed.url; it sets classification.type,
        event_description.text and, for service lists, protocol.application as IntelMQ does. A report whose feed.url names
        no known list is refused. A line that is not an IP address goes to the dump with its line number.
        """,
    FieldsRead = ["feed.url", "event.original"],
    FieldsWritten = ["source.ip", "classification.type", "message", "network.protocol", "event.original"],
    Examples = ["intelmq run intelmq.bots.parsers.blocklistde.parser --in-format dho --out-format dho < blocklistde-reports.jsonl"])]
public sealed class BlocklistDeParser : LineListParser
{
    sealed record Kind(string Type, string Text, string? Application);

    static readonly Dictionary<string, Kind> Lists = new(StringComparer.Ordinal)
    {
        ["apache.txt"] = new("ids-alert", "IP reported as having run attacks on the service Apache, Apache-DDoS, RFI-Attacks", "http"),
        ["bots.txt"] = new("spam", "IP reported as having spammed on IRC, open forums, wikis or registration forms.", null),
        ["bruteforcelogin.txt"] = new("brute-force", "IP reported as having run attacks on Joomlas, Wordpress and other Web-Logins with Brute-Force Logins", null),
        ["ftp.txt"] = new("ids-alert", "IP reported as having run attacks on the service FTP", "ftp"),
        ["imap.txt"] = new("ids-alert", "IP reported as having run attacks on the service IMAP, SASL, POP3", "imap"),
        ["ircbot.txt"] = new("infected-system", "IP reported as being part of an IRC botnet", null),
        ["mail.txt"] = new("ids-alert", "IP reported as having run attacks on the service Mail, Postfix", "smtp"),
        ["sip.txt"] = new("ids-alert", "IP reported as having run attacks on the service SIP, VOIP, Asterisk", "sip"),
        ["ssh.txt"] = new("ids-alert", "IP reported as having run attacks on the service SSH", "ssh"),
        ["strongips.txt"] = new("blacklist", "IP reported as having run attacks in last 2 months", null),
    };

    protected override object Begin(Event report)
    {
        var url = report["feed.url"] as string ?? "";
        var file = url[(url.LastIndexOf('/') + 1)..];
        var query = file.IndexOfAny(['?', '#']);
        if (query >= 0) file = file[..query];
        return Lists.TryGetValue(file, out var kind) ? kind
            : throw new InvalidDataException($"Unknown Blocklist.de list '{file}' (from feed.url '{url}'): expected one of {string.Join(", ", Lists.Keys)}.");
    }

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var kind = (Kind)state!;
        var ev = ReportFields.NewEvent(report);
        ev.Add("source.ip", line.Text);
        ev.Add("classification.type", kind.Type);
        ev.Add("message", kind.Text);
        if (kind.Application is not null) ev.Add("network.protocol", kind.Application);
        output.EmitParsed(ev, line.Text);
    }
}

using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.DataPlane;

/// <summary>Parses DataPlane.org's reports: "ASN | ASname | address | last seen | category" lines.</summary>
[Program("dataplane-parser", ProgramKind.Parser, "Parses DataPlane.org's reports (sshclient, sshpwauth, sipquery, dnsrd, telnetlogin, vncrfb, ...).",
    Modules = ["intelmq.bots.parsers.dataplane.parser"],
    Description = """
        Reads a DataPlane.org report (https://dataplane.org/<category>.txt): lines of "ASN | ASname | address | UTC time |
        category", fields separated by a pipe. Emits one event per line; the category (sshclient, sshpwauth, sipquery,
        sipregistration, sipinvitation, dnsrd, dnsrdany, dnsversion, proto41, smtpgreet, smtpdata, telnetlogin, vncrfb) sets
        classification.type, protocol.application and event_description.text. An ASN of NA is left out; the AS name is the
        handle before " - ". A line without five fields or with an unknown category goes to the dump with its line number.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "source.as.number", "source.as.organization.name", "@timestamp", "classification.type", "network.protocol", "message", "event.original"],
    Examples = ["intelmq run dataplane-parser --raw < sshclient.txt"])]
public sealed class DataPlaneParser : LineListParser
{
    sealed record Category(string Type, string? Application, string Text);

    static readonly Dictionary<string, Category> Categories = new(StringComparer.Ordinal)
    {
        ["sshclient"] = new("scanner", "ssh", "Address has been seen initiating an SSH connection to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be SSH server cataloging or conducting authentication attack attempts."),
        ["sshpwauth"] = new("brute-force", "ssh", "Address has been seen attempting to remotely login to a host using SSH password authentication. The source report lists hosts that are highly suspicious and are likely conducting malicious SSH password authentication attacks."),
        ["sipquery"] = new("scanner", "sip", "Address has been seen initiating a SIP OPTIONS query to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be SIP server cataloging or conducting various forms of telephony abuse."),
        ["sipregistration"] = new("scanner", "sip", "Address has been seen initiating a SIP REGISTER operation to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be SIP client cataloging or conducting various forms of telephony abuse."),
        ["sipinvitation"] = new("scanner", "sip", "Address has been seen initiating a SIP INVITE operation to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be SIP client cataloging or conducting various forms of telephony abuse."),
        ["dnsrd"] = new("scanner", "dns", "Address has been seen performing a DNS recursion desired query to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be DNS server cataloging or searching for hosts to use for DNS-based DDoS amplification."),
        ["dnsrdany"] = new("scanner", "dns", "Address has been seen performing a DNS recursion desired IN ANY query to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be DNS server cataloging or searching for hosts to use for DNS-based DDoS amplification."),
        ["dnsversion"] = new("scanner", "dns", "Address has been seen performing a DNS CH TXT version.bind query to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be DNS server cataloging or searching for vulnerable DNS servers."),
        ["proto41"] = new("proxy", null, "Address has been detected to offer open IPv6 over IPv4 tunneling. This could allow for the host to be used a public proxy against IPv6 hosts."),
        ["smtpgreet"] = new("scanner", "smtp", "Address has been seen initiating a SMTP HELO/EHLO operation to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be SMTP server cataloging or conducting various forms of email abuse."),
        ["smtpdata"] = new("spam", "smtp", "Address has been seen initiating a SMTP DATA operation to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be SMTP server cataloging or conducting various forms of email abuse."),
        ["telnetlogin"] = new("brute-force", "telnet", "Address has been seen initiating a telnet connection to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be telnet server cataloging or conducting authentication attack attempts."),
        ["vncrfb"] = new("brute-force", "vnc", "Address has been seen initiating a VNC remote buffer session to a remote host. The source report lists hosts that are suspicious of more than just port scanning. The host may be VNC/RFB server cataloging or conducting authentication attack attempts."),
    };

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var fields = line.Text.Split('|', StringSplitOptions.TrimEntries);
        if (fields.Length != 5)
            throw new InvalidDataException($"Incorrect format for feed {report["feed.url"]}, found line: \"{line.Text}\": expected 5 fields separated by '|', found {fields.Length}");
        if (!Categories.TryGetValue(fields[4], out var category))
            throw new InvalidDataException($"unknown DataPlane category '{fields[4]}'");
        var ev = ReportFields.NewEvent(report);
        if (fields[0] != "NA") ev.Add("source.as.number", fields[0]);
        if (fields[1] != "NA")
        {
            var handle = fields[1].IndexOf(" - ", StringComparison.Ordinal);
            ev.Add("source.as.organization.name", handle > 0 ? fields[1][..handle] : fields[1]);
        }
        ev.Add("source.ip", fields[2]);
        ev.Add("@timestamp", fields[3]);
        ev.Add("classification.type", category.Type);
        if (category.Application is not null) ev.Add("network.protocol", category.Application);
        ev.Add("message", category.Text);
        output.EmitParsed(ev, line.Text);
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.DShield;

/// <summary>Parses DShield's AS report: the attacking addresses of one AS, tab-separated, the AS taken from the feed URL.</summary>
[Program("dshield-asn-parser", ProgramKind.Parser, "Parses DShield's AS details report (attacking addresses of one AS).",
    Modules = ["intelmq.bots.parsers.dshield.parser_asn"],
    Description = """
        Reads https://dshield.org/asdetailsascii.html?as=<ASN>: tab-separated lines of source IP (zero-padded, as DShield
        writes it), reports, targets, first seen, last seen and updated. Emits one event per address with
        classification.type brute-force, source.ip without the padding, source.as.number from the feed.url's as= parameter,
        custom.reports, custom.targets, custom.first_seen and custom.last_seen when given, and time.source from "updated".
        Comments are skipped; a line that does not fit goes to the dump with its line number.
        """,
    FieldsRead = ["feed.url", "event.original"],
    FieldsWritten = ["source.ip", "source.as.number", "custom.reports", "custom.targets", "custom.first_seen", "custom.last_seen", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run dshield-asn-parser --raw < asdetails.txt"])]
public sealed partial class DShieldAsnParser : LineListParser
{
    [GeneratedRegex(@"[?&]as=(\d+)")]
    private static partial Regex AsParameter();

    protected override object? Begin(Event report) =>
        report["feed.url"] is string url && AsParameter().Match(url) is { Success: true } m ? m.Groups[1].Value : null;

    // The report ends with an HTML comment block in some copies; it has no data.
    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        if (line.Text.StartsWith("<!--", StringComparison.Ordinal) || line.Text.StartsWith("-->", StringComparison.Ordinal)) return;
        var fields = line.Text.Split('\t');
        if (fields.Length < 6) throw new InvalidDataException($"expected 6 tab-separated fields (ip, reports, targets, first seen, last seen, updated), found {fields.Length}");
        var ev = ReportFields.NewEvent(report);
        ev.Add("source.ip", string.Join('.', fields[0].Split('.').Select(o => o.TrimStart('0') is { Length: > 0 } t ? t : "0")));
        if (state is string asn) ev.Add("source.as.number", asn);
        ev.Add("custom.reports", long.Parse(fields[1], CultureInfo.InvariantCulture));
        ev.Add("custom.targets", long.Parse(fields[2], CultureInfo.InvariantCulture));
        if (fields[3].Length > 0) ev.Add("custom.first_seen", fields[3]);
        if (fields[4].Length > 0) ev.Add("custom.last_seen", fields[4]);
        ev.Add("@timestamp", fields[5]);
        ev.Add("classification.type", "brute-force");
        output.EmitParsed(ev, line.Text);
    }
}

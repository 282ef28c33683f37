using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.DShield;

/// <summary>Parses DShield's block list: the top 20 attacking /24 networks, tab-separated, dated in its header.</summary>
[Program("dshield-block-parser", ProgramKind.Parser, "Parses DShield's recommended block list (top attacking /24 networks).",
    Modules = ["intelmq.bots.parsers.dshield.parser_block"],
    Description = """
        Reads https://www.dshield.org/block.txt: tab-separated lines of network start, end, prefix length, attacks, network
        name, country and abuse e-mail. Emits one event per network with classification.type blacklist, source.network
        (start/prefix), custom.attacks, custom.network_name, the country and abuse contact when given, and time.source from
        the header's "updated:" line. The column header line and comments are skipped; a line that does not fit goes to the dump.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.network", "source.geo.country_iso_code", "source.abuse_contact", "custom.attacks", "custom.network_name", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run dshield-block-parser --raw < block.txt"])]
public sealed partial class DShieldBlockParser : LineListParser
{
    sealed class State
    {
        public string? Updated;
    }

    [GeneratedRegex(@"^#\s*updated:\s*(.+?)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Updated();

    protected override object Begin(Event report) => new State();

    protected override void Comment(object? state, string line)
    {
        if (Updated().Match(line) is { Success: true } m) ((State)state!).Updated = m.Groups[1].Value;
    }

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        if (line.Text.StartsWith("Start\t", StringComparison.Ordinal)) return;
        var fields = line.Text.Split('\t');
        if (fields.Length < 4) throw new InvalidDataException($"expected at least 4 tab-separated fields (start, end, prefix, attacks), found {fields.Length}");
        var ev = ReportFields.NewEvent(report);
        ev.Add("source.network", $"{fields[0]}/{fields[2]}");
        ev.Add("custom.attacks", long.Parse(fields[3], System.Globalization.CultureInfo.InvariantCulture));
        if (fields.Length > 4 && fields[4].Length > 0) ev.Add("custom.network_name", fields[4]);
        if (fields.Length > 5) ev.Add("source.geo.country_iso_code", fields[5]);
        if (fields.Length > 6) ev.Add("source.abuse_contact", fields[6]);
        if (((State)state!).Updated is { } updated) ev.Add("@timestamp", updated);
        ev.Add("classification.type", "blacklist");
        output.EmitParsed(ev, line.Text);
    }
}

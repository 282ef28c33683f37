using System.Globalization;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Cymru;

/// <summary>Parses Team Cymru's full bogons lists: one prefix per line under a "last updated" header.</summary>
[Program("cymru-full-bogons-parser", ProgramKind.Parser, "Parses Team Cymru's full bogons lists (IPv4 and IPv6 prefixes that should not be routed).",
    Modules = ["intelmq.bots.parsers.cymru.parser_full_bogons"],
    Description = """
        Reads fullbogons-ipv4.txt or fullbogons-ipv6.txt: a header "# last updated <epoch> (...)" and one prefix per line.
        Emits one event per prefix with classification.type blacklist, source.network and time.source from the header. The
        raw text of each event is the header line and the prefix's line, as IntelMQ keeps it. A report without the header
        is refused; a line that is not a prefix goes to the dump with its line number.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.network", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run cymru-full-bogons-parser --raw < fullbogons-ipv4.txt"])]
public sealed partial class CymruFullBogonsParser : LineListParser
{
    sealed class State
    {
        public string? Header;
        public DateTimeOffset Updated;
    }

    [GeneratedRegex(@"^#\s*last updated\s+(\d+)")]
    private static partial Regex LastUpdated();

    protected override object Begin(Event report) => new State();

    protected override void Comment(object? state, string line)
    {
        var s = (State)state!;
        if (s.Header is null && LastUpdated().Match(line) is { Success: true } m && long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
            && epoch < 253402300800)
        {
            s.Header = line;
            s.Updated = DateTimeOffset.FromUnixTimeSeconds(epoch);
        }
    }

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var s = (State)state!;
        if (s.Header is null) throw new InvalidDataException("the report has no '# last updated <epoch>' header before its first prefix");
        var ev = ReportFields.NewEvent(report);
        ev.Add("source.network", line.Text);
        ev.Add("@timestamp", Timestamps.Format(s.Updated));
        ev.Add("classification.type", "blacklist");
        output.EmitParsed(ev, s.Header + "\n" + line.Text);
    }
}

using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.DangerRulez;

/// <summary>Parses Danger Rulez' brute-force blocklist: an address, then "# last reported" and counters.</summary>
[Program("danger-rulez-parser", ProgramKind.Parser, "Parses the Danger Rulez SSH brute-force blocklist (bruteforceblocker).",
    Modules = ["intelmq.bots.parsers.danger_rulez.parser"],
    Description = """
        Reads http://danger.rulez.sk/projects/bruteforceblocker/blist.php: lines of "IP  # YYYY-MM-DD hh:mm:ss  count  id".
        Emits one event per line with classification.type brute-force, source.ip and time.source (the last report, UTC).
        The header line and other comment lines are skipped; a line that does not fit goes to the dump with its line number.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "@timestamp", "classification.type", "event.original"],
    Examples = ["intelmq run danger-rulez-parser --raw < blist.txt"])]
public sealed partial class DangerRulezParser : LineListParser
{
    [GeneratedRegex(@"^(\S+)\s+#\s+(\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}:\d{2})")]
    private static partial Regex Line();

    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var m = Line().Match(line.Text);
        if (!m.Success) throw new InvalidDataException("the line is not 'IP # YYYY-MM-DD hh:mm:ss ...'");
        var ev = ReportFields.NewEvent(report);
        ev.Add("source.ip", m.Groups[1].Value);
        ev.Add("@timestamp", m.Groups[2].Value);
        ev.Add("classification.type", "brute-force");
        output.EmitParsed(ev, line.Text);
    }
}

using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.CiArmy;

/// <summary>Parses the CINS Army list: one IP address per line.</summary>
[Program("ci-army-parser", ProgramKind.Parser, "Parses the CINS Army (CI Army) list of bad IP addresses.",
    Modules = ["intelmq.bots.parsers.ci_army.parser"],
    Description = """
        Reads the CINS Army list (https://cinsscore.com/list/ci-badguys.txt), one IP address per line, and emits one event per
        address with classification.type blacklist. Comment lines (#) and blank lines are skipped; a line that is not an IP
        address goes to the dump with its line number.
        """,
    FieldsRead = ["event.original"],
    FieldsWritten = ["source.ip", "classification.type", "event.original"],
    Examples = ["intelmq run ci-army-parser --raw < ci-badguys.txt"])]
public sealed class CiArmyParser : LineListParser
{
    protected override void ParseLine(Event report, object? state, ReportLine line, IEmitter output)
    {
        var ev = ReportFields.NewEvent(report);
        ev.Add("source.ip", line.Text);
        ev.Add("classification.type", "blacklist");
        output.EmitParsed(ev, line.Text);
    }
}

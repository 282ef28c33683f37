using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.ZoneH;

/// <summary>Zone-H's defacement reports (CSV by e-mail): one compromised web site per row.</summary>
[Program("zoneh-parser", ProgramKind.Parser, "Parses Zone-H's defacement reports (CSV).",
    Modules = ["intelmq.bots.parsers.zoneh.parser"],
    Options = typeof(ZoneHParserOptions),
    Description = """
        Reads the CSV by its header: domain gives source.url, its host source.fqdn and its scheme protocol.application;
        ip_address source.ip, add_date time.source, country_code source.geolocation.cc; attacker, accept_date, system,
        web_server, hackmode and defacement_id go to extra.actor, extra.accepted_date, extra.os.name, extra.http_target,
        extra.compromise_method and extra.zoneh_report_id. Every event is a defacement: classification.type
        unauthorised-information-modification, identifier compromised-website. event.original is the header line and the row.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.*", "network.protocol", "classification.*", "message", "@timestamp", "custom.*", "event.original", "event.id"],
    Examples = ["intelmq run zoneh-parser --raw < zoneh-report.csv"])]
public sealed class ZoneHParser(ZoneHParserOptions? options = null) : IParser
{
    static readonly (string Column, string Field)[] Columns =
    [
        ("add_date", "time.source"), ("accept_date", "extra.accepted_date"), ("attacker", "extra.actor"), ("domain", "source.url"),
        ("ip_address", "source.ip"), ("system", "extra.os.name"), ("web_server", "extra.http_target"), ("hackmode", "extra.compromise_method"),
        ("defacement_id", "extra.zoneh_report_id"), ("country_code", "source.geolocation.cc"),
    ];

    readonly ZoneHParserOptions _options = options ?? new ZoneHParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        string? header = null;
        string[] names = [];
        var cells = new List<string>();
        var lines = new LineReader(body, ReportLines.MaxLength);
        // IntelMQ's raw keeps a row's line end, except after the last row: a row waits for the next one to know.
        (string Line, string Ending, int Number, bool TooLong)? pending = null;
        while (true)
        {
            var next = lines.Read(out var nextEnding);
            if (next is { Length: 0 }) continue;
            if (pending is var (line, ending, number, tooLong)) Row(report, header!, names, cells, line, next is null ? "" : ending, number, tooLong, output);
            if (next is null) break;
            if (header is null)
            {
                header = next;
                PythonCsv.TrySplit(next, ',', cells);
                names = cells.ToArray();
                continue;
            }
            pending = (next, nextEnding, lines.Number, lines.TooLong);
        }
    }

    void Row(Event report, string header, string[] names, List<string> cells, string line, string ending, int number, bool tooLong, IEmitter output)
    {
        var position = $"line {number}";
        try
        {
            if (tooLong || !PythonCsv.TrySplit(line, ',', cells)) throw new InvalidDataException("the row is too long or has an unclosed quote");
            var ev = DhoEvent.New(report, _options);
            DhoEvent.Add(ev, "classification.type", "unauthorised-information-modification");
            DhoEvent.Add(ev, "classification.identifier", "compromised-website");
            DhoEvent.Add(ev, "event_description.text", "defacement");
            foreach (var (column, field) in Columns)
            {
                var i = Array.IndexOf(names, column);
                if (i < 0 || i >= cells.Count) continue;
                var value = field == "time.source" && !DhoEvent.IsEmpty(cells[i]) ? DhoTime.Lenient(cells[i]) : cells[i];
                DhoEvent.Add(ev, field, value);
            }
            if (Array.IndexOf(names, "domain") is var d and >= 0 && d < cells.Count && Uri.TryCreate(cells[d], UriKind.Absolute, out var uri))
            {
                DhoEvent.Add(ev, "protocol.application", uri.Scheme);
                var host = uri.IdnHost.Trim('[', ']');
                if (!DhoEvent.TryAdd(ev, "source.fqdn", host)) DhoEvent.TryAdd(ev, "source.ip", host);
            }
            output.Emit(DhoEvent.Complete(ev, _options, header + "\n", line + ending));
        }
        catch (Exception ex) when (ex is InvalidFieldException or FormatException or InvalidDataException)
        {
            output.Reject(position, line, ex);
        }
    }
}

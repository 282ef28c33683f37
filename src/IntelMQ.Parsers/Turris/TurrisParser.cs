using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Turris;

/// <summary>The Turris (CZ.NIC) greylist: addresses that attacked Turris routers, with the services they attacked.</summary>
[Program("turris-parser", ProgramKind.Parser, "Parses the Turris greylist (addresses and the services they attacked).",
    Modules = ["intelmq.bots.parsers.turris.parser"],
    Options = typeof(CommonParserOptions),
    Description = """
        A CSV with the header Address,Tags; each tag of a row gives an event for source.ip: port_scan is a scanner, a service
        (ftp, http, smtp, ssh, telnet, ...) brute-force on it (protocol.application, protocol.transport tcp and, where the service
        has a well-known port, destination.port); an unknown tag gives an undetermined event with the tag in
        protocol.application. event.original is the header line and the row.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.ip", "destination.port", "network.*", "classification.*", "event.original", "event.id"],
    Examples = ["curl -s https://view.sentinel.turris.cz/greylist-data/greylist-latest.csv | intelmq run turris-parser --raw"])]
public sealed class TurrisParser(CommonParserOptions? options = null) : IParser
{
    // Tag -> well-known TCP port (0: none given); port_scan is handled apart.
    static readonly Dictionary<string, int> Services = new(StringComparer.Ordinal)
    {
        ["ftp"] = 21, ["ssh"] = 22, ["telnet"] = 23, ["http"] = 80, ["https"] = 443, ["smtp"] = 0, ["pop3"] = 110, ["imap"] = 143,
        ["mysql"] = 3306, ["mssql"] = 1433, ["rdp"] = 3389, ["vnc"] = 5900, ["smb"] = 445, ["sip"] = 5060,
    };

    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        string? header = null;
        var cells = new List<string>();
        LineParser.Run(body, output, line =>
        {
            if (line.Length == 0 || line.StartsWith('#')) return [];
            if (header is null)
            {
                header = line;
                return [];
            }
            if (!PythonCsv.TrySplit(line, ',', cells) || cells.Count < 2) throw new InvalidDataException("expected two cells: Address,Tags");
            var events = new List<Event>();
            foreach (var tag in cells[1].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var ev = DhoEvent.New(report, _options);
                DhoEvent.Add(ev, "source.ip", cells[0]);
                if (tag == "port_scan") DhoEvent.Add(ev, "classification.type", "scanner");
                else
                {
                    var known = Services.TryGetValue(tag, out var port);
                    DhoEvent.Add(ev, "classification.type", known ? "brute-force" : "undetermined");
                    DhoEvent.Add(ev, "protocol.application", tag);
                    if (known) DhoEvent.Add(ev, "protocol.transport", "tcp");
                    if (port > 0) DhoEvent.Add(ev, "destination.port", port);
                }
                events.Add(DhoEvent.Complete(ev, _options, header + "\n", line));
            }
            return events;
        });
    }
}

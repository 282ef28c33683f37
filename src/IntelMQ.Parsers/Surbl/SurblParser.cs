using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Surbl;

/// <summary>SURBL's rbldnsd zone file of malicious domains (Sponsored Datafeed Service, by rsync).</summary>
[Program("surbl-parser", ProgramKind.Parser, "Parses SURBL's rbldnsd zone file of malicious domains.",
    Modules = ["intelmq.bots.parsers.surbl.parser"],
    Options = typeof(CommonParserOptions),
    Description = """
        A line ":127.0.0.128:Blocked, $ on lists [ph], ..." names the list of the domains that follow; each ".domain" line is
        source.fqdn, classified by its list: ph phishing, mw malware-distribution, abuse spam, cr and the others blacklist.
        Comments (#) and other lines (addresses) hold no event.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.domain", "classification.*", "event.original", "event.id"],
    Examples = ["intelmq run surbl-parser --raw < wild.surbl.org.rbldnsd"])]
public sealed partial class SurblParser(CommonParserOptions? options = null) : IParser
{
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var type = "blacklist";
        LineParser.Run(body, output, line =>
        {
            var text = line.Trim();
            if (ListLine().Match(text) is { Success: true } m)
            {
                type = m.Groups[1].Value switch { "ph" => "phishing", "mw" => "malware-distribution", "abuse" => "spam", _ => "blacklist" };
                return [];
            }
            if (!text.StartsWith('.') || text.Length < 2) return [];
            var ev = DhoEvent.New(report, _options);
            DhoEvent.Add(ev, "classification.type", type);
            DhoEvent.Add(ev, "source.fqdn", text[1..]);
            return new[] { DhoEvent.Complete(ev, _options, text) };
        });
    }

    [GeneratedRegex(@"^:[0-9.]+:.*\[(\w+)\]")]
    private static partial Regex ListLine();
}

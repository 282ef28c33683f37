using System.Net;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.ThreatMiner;

/// <summary>ThreatMiner's home page: its "Recent domains" list.</summary>
[Program("threatminer-parser", ProgramKind.Parser, "Parses the recent domains of ThreatMiner's home page.",
    Modules = ["intelmq.bots.parsers.threatminer.parser"],
    Options = typeof(CommonParserOptions),
    Description = """
        The page (www.threatminer.org, at most 64 MiB) links each recent domain as domain.php?q=NAME. Each is an event:
        source.fqdn, classification.type blacklist; event.original is the link's end as IntelMQ takes it ('>NAME). A name
        that is not a domain goes to the dump with its position. Recent hosts and samples are not read, as in IntelMQ.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.domain", "classification.type", "event.original", "event.id"],
    Examples =
    [
        "curl -s https://www.threatminer.org/ | intelmq run threatminer-parser --raw",
        "# input:",
        "#   <a href='domain.php?q=a.example\\n'>a.example\\n</a>",
        "# output (--out-format dho; raw, feed.name and time.observation left out):",
        "#   {\"__type\": \"Event\", \"classification.type\": \"blacklist\", \"source.fqdn\": \"a.example\"}",
    ])]
public sealed partial class ThreatMinerParser(CommonParserOptions? options = null) : IParser
{
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    [GeneratedRegex("""domain\.php\?q=[^'"<>]*['"]>([^<\r\n]*)""", RegexOptions.None, matchTimeoutMilliseconds: 10_000)]
    private static partial Regex DomainLink();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var page = JsonReport.ReadText(body, JsonReport.MaxSize);
        var number = 0;
        foreach (Match link in DomainLink().Matches(page))
        {
            number++;
            var name = link.Groups[1].Value;
            var raw = "'>" + name;
            try
            {
                var ev = DhoEvent.New(report, _options);
                DhoEvent.Add(ev, "classification.type", "blacklist");
                DhoEvent.Add(ev, "source.fqdn", WebUtility.HtmlDecode(name).Trim());
                output.Emit(DhoEvent.Complete(ev, _options, raw));
            }
            catch (Exception ex) when (BadInput.Is(ex))
            {
                output.Reject($"domain {number}", raw, ex);
            }
        }
    }
}

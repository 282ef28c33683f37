using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.OpenPhish;

/// <summary>OpenPhish's public feed: one phishing URL per line.</summary>
[Program("openphish-parser", ProgramKind.Parser, "Parses OpenPhish's public feed (one phishing URL per line).",
    Modules = ["intelmq.bots.parsers.openphish.parser"],
    Options = typeof(CommonParserOptions),
    Description = """
        Each non-blank line is a URL: source.url, classification.type phishing, the line as event.original. A line whose URL is
        invalid goes to the dump with its line number.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.url.*", "classification.*", "event.original", "event.id"],
    Examples = ["curl -s https://www.openphish.com/feed.txt | intelmq run openphish-parser --raw"])]
public sealed class OpenPhishParser(CommonParserOptions? options = null) : IParser
{
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output) =>
        LineParser.Run(body, output, line => Build(report, line));

    IEnumerable<Event> Build(Event report, string line)
    {
        var url = line.Trim();
        if (url.Length == 0) yield break;
        var ev = DhoEvent.New(report, _options);
        DhoEvent.Add(ev, "classification.type", "phishing");
        DhoEvent.Add(ev, "source.url", url);
        yield return DhoEvent.Complete(ev, _options, line);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.GitHubFeed;

/// <summary>Feeds published as files on GitHub, fetched by the GitHub API collector: today Strangereal Intel's DailyIOC.</summary>
[Program("github-feed-parser", ProgramKind.Parser, "Parses feeds published on GitHub (Strangereal Intel DailyIOC).",
    Modules = ["intelmq.bots.parsers.github_feed.parser", "intelmq.bots.parsers.github_feed"],
    Options = typeof(CommonParserOptions),
    Description = """
        The feed is known by the report's feed.url. Strangereal Intel DailyIOC (github.com/StrangerealIntel/DailyIOC): a JSON
        list of {Indicator, Description}; an MD5, SHA-1 or SHA-256 indicator gives malware.hash.*, a URL source.url, an
        address source.ip, a name source.fqdn; the description goes to event_description.text, classification.type
        undetermined. A report of another feed is refused (dumped) as unknown, as in IntelMQ. An indicator of none of these
        kinds goes to the dump with its index.
        """,
    FieldsRead = ["event.original", "feed.url", "feed.*", "event.created"],
    FieldsWritten = ["file.hash.*", "source.*", "message", "classification.*", "event.original", "event.id"],
    Examples = ["intelmq run github-feed-parser --raw --set default_fields='{\"feed.url\":\"https://raw.githubusercontent.com/StrangerealIntel/DailyIOC/master/x.json\"}' < iocs.json"])]
public sealed partial class GitHubFeedParser(CommonParserOptions? options = null) : IParser
{
    static readonly string FeedUrl = DhoMapping.ToIdf("feed.url")!;
    readonly CommonParserOptions _options = options ?? new CommonParserOptions();

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var url = report[FeedUrl] as string ?? "";
        if (!url.Contains("StrangerealIntel/DailyIOC", StringComparison.OrdinalIgnoreCase)) throw new InvalidDataException($"Unknown feed '{url}'.");
        using var document = JsonBody.Read(body);
        if (document.RootElement.ValueKind != JsonValueKind.Array) throw new InvalidDataException("expected a JSON list of {Indicator, Description}");
        var index = 0;
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            index++;
            try
            {
                var indicator = entry.Get("Indicator").Text()?.Trim() ?? throw new InvalidDataException("the entry has no Indicator");
                var ev = DhoEvent.New(report, _options);
                DhoEvent.Add(ev, "classification.type", "undetermined");
                DhoEvent.Add(ev, "event_description.text", entry.Get("Description"));
                var field = Hex().IsMatch(indicator) ? indicator.Length switch { 32 => "malware.hash.md5", 40 => "malware.hash.sha1", 64 => "malware.hash.sha256", _ => null }
                    : indicator.Contains("://", StringComparison.Ordinal) ? "source.url" : null;
                if (field is not null) DhoEvent.Add(ev, field, field.StartsWith("malware.hash", StringComparison.Ordinal) ? indicator.ToLowerInvariant() : indicator);
                else if (!DhoEvent.TryAdd(ev, "source.ip", indicator) && !DhoEvent.TryAdd(ev, "source.fqdn", indicator))
                    throw new InvalidDataException($"indicator '{indicator}' is neither a hash, a URL, an address nor a domain name");
                output.Emit(DhoEvent.Complete(ev, _options, PythonJson.Dumps(entry)));
            }
            catch (Exception ex) when (ex is InvalidFieldException or InvalidDataException)
            {
                output.Reject($"entry {index}", entry.GetRawText(), ex);
            }
        }
    }

    [GeneratedRegex("^[0-9a-fA-F]+$")]
    private static partial Regex Hex();
}

using System.Text.RegularExpressions;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;
using IntelMQ.Parsers.Dho;

namespace IntelMQ.Parsers.Twitter;

/// <summary>URLs in free text (a tweet, a post), written as people write them: defanged, without a scheme, with commas for dots.</summary>
[Program("twitter-parser", ProgramKind.Parser, "Extracts the URLs a tweet or any short text mentions, defanged or not.",
    Modules = ["intelmq.bots.parsers.twitter.parser"],
    Options = typeof(TwitterParserOptions),
    Description = """
        The report is one text (the Twitter collector sends a tweet per report, feed.url being the tweet). After the
        substitutions, hxxp is read as http and stray brackets between a scheme and :// (http]]://) are left out; then
        each word that is a URL, or a name under a known top-level domain with an optional path (cc.pro/images.html,
        not Sales.exe), gives one event: source.url (default_scheme when it has none, / when it has no path),
        classification.type, and the whole text as raw. Like IntelMQ's parser, the text is read in lower case, so a URL's
        path is lower case too. A URL mentioned twice gives one event; a URL under domain_whitelist gives none. The
        Twitter API IntelMQ's collector used is closed to free use; the parser stays for archives and other short texts.
        """,
    FieldsRead = ["event.original", "feed.*", "event.created"],
    FieldsWritten = ["source.url.*", "classification.*", "event.original", "event.id"],
    Examples = ["echo 'C2 at hxxp://block[.]de[.]com/malware.exe and ghzz,com' | intelmq run twitter-parser --raw --set 'substitutions=[.];.;,;.'"])]
public sealed partial class TwitterParser : IParser
{
    static readonly HashSet<string> TopLevelDomains = LoadTopLevelDomains();

    readonly TwitterParserOptions _options;
    readonly (string From, string To)[] _substitutions;

    public TwitterParser(TwitterParserOptions? options = null)
    {
        _options = options ?? new TwitterParserOptions();
        var parts = _options.Substitutions is { Length: > 0 } s ? s.Split(';') : [];
        if (parts.Length % 2 != 0)
            throw new ConfigurationException($"substitutions: '{_options.Substitutions}' has {parts.Length} parts; it must be pairs (from;to;from;to), e.g. '[.];.;,;.'.");
        _substitutions = [.. parts.Chunk(2).Select(p => (p[0], p[1]))];
    }

    public void Parse(Event report, TextReader body, IEmitter output)
    {
        var raw = JsonReport.ReadText(body, _options.MaxSize);
        var text = raw;
        foreach (var (from, to) in _substitutions) if (from.Length > 0) text = text.Replace(from, to, StringComparison.Ordinal);
        text = Scheme().Replace(text.ToLowerInvariant(), m => (m.Groups[1].Value == "hxxp" ? "http" : m.Groups[1].Value == "hxxps" ? "https" : m.Groups[1].Value) + "://");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var word in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (Url(word.Trim(Leading).TrimEnd(Trailing)) is not { } url || !seen.Add(url)) continue;
            var ev = DhoEvent.New(report, _options);
            if (!DhoEvent.TryAdd(ev, "source.url", url)) continue; // a word that looked like a URL and is none
            DhoEvent.Add(ev, "classification.type", _options.ClassificationType);
            output.Emit(DhoEvent.Complete(ev, _options, raw));
        }
    }

    static readonly char[] Leading = ['(', '<', '"', '\'', '[', '{'];
    static readonly char[] Trailing = ['.', ',', ';', ':', '!', '?', ')', '>', '"', '\'', ']', '}'];

    string? Url(string word)
    {
        var match = Candidate().Match(word);
        if (!match.Success) return null;
        var host = match.Groups["host"].Value;
        var scheme = match.Groups["scheme"].Success ? match.Groups["scheme"].Value : null;
        // Without a scheme, only a name under a real top-level domain is taken: people write file names too.
        if (scheme is null && !TopLevelDomains.Contains(host[(host.LastIndexOf('.') + 1)..])) return null;
        if (_options.DomainWhitelist.Any(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal))) return null;
        var rest = match.Groups["rest"].Value;
        return $"{scheme ?? _options.DefaultScheme}://{host}{(rest.Length == 0 || rest[0] is not ('/' or ':') ? "/" : "")}{rest}";
    }

    static HashSet<string> LoadTopLevelDomains()
    {
        using var reader = new StreamReader(EmbeddedData.Open("tlds.txt", typeof(TwitterParser).Assembly));
        var set = new HashSet<string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line) if (line.Length > 0 && line[0] != '#') set.Add(line);
        return set;
    }

    // A scheme, defanged (hxxp) or with stray brackets before its :// (http]]://, http[:]//).
    [GeneratedRegex(@"\b(hxxps?|https?|ftp)[\[\]()]*:[\[\]()]*//")]
    private static partial Regex Scheme();

    [GeneratedRegex(@"^(?:(?<scheme>https?|ftp)://)?(?<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63})(?<rest>(?:[:/?#]\S*)?)$")]
    private static partial Regex Candidate();
}

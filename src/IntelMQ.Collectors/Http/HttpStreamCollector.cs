using System.Runtime.CompilerServices;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Http;

/// <summary>
/// Reads a never-ending HTTP response line by line and hands each line on as a report as it comes (CertStream and
/// Cyberfeed style). A stream has no position to resume from: what arrives while the collector is not connected is not seen.
/// </summary>
[Program("http-stream-collector", ProgramKind.Collector, "Reads an HTTP stream and hands on every line as a report as it arrives.",
    Modules = ["intelmq.bots.collectors.http.collector_http_stream"],
    Options = typeof(HttpStreamCollectorOptions),
    Description = """
        Each run opens http_url and hands on every non-empty line (stripped of white space at both ends with
        strip_lines, the default) as one report with feed.url, in the order received, each confirmed by the outputs
        before the next is read. The run lasts as long as the server keeps the stream open. A stream that breaks off
        or stays silent longer than http_timeout_sec is a transient failure: a daemon connects again with backoff
        (1 s doubling to 30 s); one that the server ends is opened again after rate_limit seconds, so give a daemon
        a small rate_limit (e.g. 10). The HTTP parameters are the HTTP collector's; http_timeout_max_tries applies
        to connecting. feed.* come from name, provider, accuracy, code and documentation (docs/collectors.md).
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run http-stream-collector --daemon --set http_url='https://prod.cyberfeed.net/stream?key=KEY' --set rate_limit=10 --set name='AnubisNetworks Cyberfeed Stream' --output 'redis://localhost:6379/2?queue=anubisnetworks-parser-queue'",
    ])]
public sealed class HttpStreamCollector : ICollector, IDisposable
{
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly string _url;
    readonly UrlFormatting? _formatting;
    readonly bool _strip;
    readonly FeedHttpClient _http;
    readonly ProgramContext _context;
    readonly string _name;

    /// <exception cref="ConfigurationException">No or a malformed http_url, or an HTTP parameter that cannot work.</exception>
    public HttpStreamCollector(HttpStreamCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "http-stream-collector";
        if (options.HttpUrl is not { Length: > 0 } url)
            throw new ConfigurationException($"{_name}: option 'http_url' is missing: the URL of the stream, e.g. --set http_url='https://stream.example.org/feed'");
        _url = url;
        _formatting = UrlFormatting.Parse(url, options.HttpUrlFormatting, "http_url_formatting", _name);
        var first = _formatting?.Format(context.Clock.GetLocalNow(), _name) ?? url;
        if (!Uri.TryCreate(first, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: http_url '{first}' is not an http:// or https:// URL.");
        _strip = options.StripLines;
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var url = _formatting?.Format(_context.Clock.GetLocalNow(), _name) ?? _url;
        var shown = FeedHttpClient.Redacted(new Uri(url));
        using var response = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        var number = 0L;
        for (string? line; (line = await _http.ReadLineAsync(body, cancellationToken)) is not null;)
        {
            number++;
            if (_strip) line = line.Trim();
            if (line.Trim().Length == 0) continue;
            var report = new Event(MessageKind.Report);
            report.TryAdd(FeedUrlField, url);
            yield return new CollectedReport(report, new MemoryStream(Encoding.UTF8.GetBytes(line))) { Origin = $"{shown} line {number}" };
        }
        _context.Log.LogInformation("{Url}: the server ended the stream after {Lines} lines", shown, number);
    }

    public void Dispose() => _http.Dispose();
}

using System.Runtime.CompilerServices;
using System.Text;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Shodan;

/// <summary>
/// Reads Shodan's streaming API, newline-delimited JSON banners, and hands each banner on as a report as it comes. A
/// stream has no position to resume from: what arrives while the collector is not connected is not seen.
/// </summary>
[Program("shodan-stream-collector", ProgramKind.Collector, "Reads Shodan's banner stream and hands on every banner as a report as it arrives.",
    Modules = ["intelmq.bots.collectors.shodan.collector_stream"],
    Options = typeof(ShodanStreamCollectorOptions),
    Description = """
        Each run opens Shodan's streaming API under api_url with the api_key: shodan/banners (every banner the
        account may see), shodan/countries/CODES with countries, or shodan/alert/ID (shodan/alert for all) with
        alert, and hands on every banner (one JSON object per line; the empty keep-alive lines are skipped) as one
        report, in the order received, each confirmed by the outputs before the next is read; IntelMQ's shodan
        parser reads them. The run lasts as long as Shodan keeps the stream open. A stream that breaks off or
        stays silent longer than http_timeout_sec is a transient failure: a daemon connects again with backoff (1
        s doubling to 30 s); one that Shodan ends is opened again after rate_limit seconds, so give a daemon a
        small rate_limit (e.g. 10). The key never appears in logs or in feed.url. IntelMQ's error_retry_delay is
        a run setting (retry_delay), as for every program.
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run shodan-stream-collector --daemon --set api_key=KEY --set countries=AT,DE --set rate_limit=10 --set name='Shodan Country Stream' --output 'redis://localhost:6379/2?queue=shodan-parser-queue'",
    ])]
public sealed class ShodanStreamCollector : ICollector, IDisposable
{
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly ProgramContext _context;
    readonly Uri _stream;
    readonly Secret _key;
    readonly bool _strip;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No api_key, countries and alert together, or a malformed api_url.</exception>
    public ShodanStreamCollector(ShodanStreamCollectorOptions options, ProgramContext context)
    {
        _context = context;
        var name = context.Id is { Length: > 0 } id ? id : "shodan-stream-collector";
        _key = options.ApiKey is { IsEmpty: false } key ? key
            : throw new ConfigurationException($"{name}: option 'api_key' is missing: the API key of a Shodan account with streaming access.");
        var countries = options.Countries.SelectMany(c => c.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToArray();
        if (countries.FirstOrDefault(c => c.Length != 2 || !c.All(char.IsAsciiLetter)) is { } bad)
            throw new ConfigurationException($"{name}: option 'countries' takes two-letter country codes, e.g. AT,DE; got '{bad}'.");
        var alert = options.Alert is { Length: > 0 } a ? a.Trim() : null;
        if (countries.Length > 0 && alert is not null)
            throw new ConfigurationException($"{name}: give either 'countries' or 'alert': Shodan streams one or the other.");
        var url = options.ApiUrl.EndsWith('/') ? options.ApiUrl : options.ApiUrl + "/";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{name}: option 'api_url' must be an http(s) URL, e.g. https://stream.shodan.io/; got '{options.ApiUrl}'.");
        var path = countries.Length > 0 ? "shodan/countries/" + string.Join(',', countries.Select(c => c.ToUpperInvariant()))
            : alert is null ? "shodan/banners"
            : alert.Equals("all", StringComparison.OrdinalIgnoreCase) ? "shodan/alert"
            : "shodan/alert/" + Uri.EscapeDataString(alert);
        _stream = new Uri(api, path);
        _strip = options.StripLines;
        _http = new FeedHttpClient(options, name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var url = new Uri(_stream + "?key=" + Uri.EscapeDataString(_key.Reveal()));
        using var response = await OpenAsync(url, cancellationToken);
        using var body = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        var number = 0L;
        for (string? line; (line = await _http.ReadLineAsync(body, cancellationToken)) is not null;)
        {
            number++;
            if (line.Trim().Length == 0) continue;
            if (_strip) line = line.Trim();
            var report = new Event(MessageKind.Report);
            report.Add(FeedUrlField, _stream.ToString());
            yield return new CollectedReport(report, new MemoryStream(Encoding.UTF8.GetBytes(line))) { Origin = $"{_stream} line {number}" };
        }
        _context.Log.LogInformation("{Url}: Shodan ended the stream after {Lines} lines", _stream, number);
    }

    // The key is in the query: errors name the URL, so they are told without it.
    async Task<HttpResponseMessage> OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        var key = Uri.EscapeDataString(_key.Reveal());
        try
        {
            return await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), cancellationToken);
        }
        catch (TransientException ex)
        {
            throw new TransientException(ex.Message.Replace(key, "***"), ex.InnerException) { RetryAfter = ex.RetryAfter };
        }
        catch (IOException ex)
        {
            throw new IOException(ex.Message.Replace(key, "***"), ex.InnerException);
        }
    }

    public void Dispose() => _http.Dispose();
}

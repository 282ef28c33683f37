using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Blueliv;

/// <summary>
/// Fetches Blueliv's Crimeserver list (GET /v1/crimeserver/online, recent or last, with the token as a bearer) and
/// hands its crimeServers on as one report: the JSON list the Blueliv Crimeserver parser reads. The hash of the last
/// list handed on is the state, so an unchanged list is not sent again.
/// </summary>
[Program("blueliv-crimeserver-collector", ProgramKind.Collector, "Fetches Blueliv's Crimeserver list of malicious servers as one report.",
    Modules = ["intelmq.bots.collectors.blueliv.collector_crimeserver"],
    Options = typeof(BluelivCrimeserverCollectorOptions),
    Description = """
        Every run asks Blueliv's Crimeserver API for a list (GET api_url/v1/crimeserver/FEED_TYPE, the token sent as
        Authorization: bearer api_key, as Blueliv's Python SDK sends it) and hands on the list's crimeServers as one
        report: a JSON list of crime servers, as the Blueliv Crimeserver parser reads it, with feed.url the URL asked.
        The answer's meta (updated, nextUpdate, totalSize) is logged. The SHA-256 of the list is stored once the report
        is handed on, so a list identical to the last one handed on is not sent again and a crash or a failed hand-off
        sends it again; an empty list sends nothing. A server that is down, 5xx or 429 is retried with backoff; a
        refused token (401, 403) waits for the next run. Written from Blueliv's public SDK (MIT) and IntelMQ's
        documentation and tested against a local server that answers as they describe: Blueliv's community API was
        not reachable. IntelMQ's collector fetches through the SDK, which also sends an API client id of its own and
        a key query parameter; this collector does not (give them with http_header if your endpoint wants them).
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run blueliv-crimeserver-collector --set api_key=TOKEN --set name=CrimeServer --set provider=Blueliv --output file:crimeservers.jsonl",
        "intelmq run intelmq.bots.collectors.blueliv.collector_crimeserver --config blueliv.yaml --daemon",
    ])]
public sealed class BluelivCrimeserverCollector : ICollector, IDisposable
{
    const string HashKey = "sha256";
    static readonly string[] FeedTypes = ["online", "recent", "last"];
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly ProgramContext _context;
    readonly Secret _key;
    readonly Uri _url;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No api_key, a malformed api_url or an unknown feed_type.</exception>
    public BluelivCrimeserverCollector(BluelivCrimeserverCollectorOptions options, ProgramContext context)
    {
        _context = context;
        var name = context.Id is { Length: > 0 } id ? id : "blueliv-crimeserver-collector";
        _key = options.ApiKey is { IsEmpty: false } key ? key
            : throw new ConfigurationException($"{name}: option 'api_key' is missing: your Blueliv API token.");
        var feed = options.FeedType.Trim().ToLowerInvariant();
        if (!FeedTypes.Contains(feed))
            throw new ConfigurationException($"{name}: feed_type '{options.FeedType}' is not one of {string.Join(", ", FeedTypes)}.");
        if (!Uri.TryCreate(options.ApiUrl.TrimEnd('/') + "/v1/crimeserver/" + feed, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{name}: api_url '{options.ApiUrl}' is not an http(s) URL such as https://freeapi.blueliv.com.");
        _url = url;
        _http = new FeedHttpClient(options, name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var (body, count) = await FetchAsync(cancellationToken);
        if (count == 0) yield break;
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (state.Get(HashKey) == hash)
        {
            _context.Log.LogInformation("{Url}: the list is unchanged since the last report, nothing sent", _url);
            yield break;
        }
        var report = new Event(MessageKind.Report);
        report.Add(FeedUrlField, _url.ToString());
        yield return new CollectedReport(report, new MemoryStream(body))
        {
            Checkpoint = new Dictionary<string, string?> { [HashKey] = hash },
            Origin = $"{_url} ({count} crime servers)",
        };
    }

    /// <returns>The crimeServers list as the server wrote it, and how many it holds.</returns>
    async Task<(byte[] Body, int Count)> FetchAsync(CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, _url);
            request.Headers.TryAddWithoutValidation("Authorization", "bearer " + _key.Reveal());
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            return request;
        }, cancellationToken);
        using (var answer = await _http.ReadJsonAsync(response, cancellationToken))
        {
            var root = answer.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("crimeServers", out var servers) || servers.ValueKind != JsonValueKind.Array)
                throw new IOException($"{_url}: expected an object with a crimeServers list, got {FeedHttpClient.Shorten(root.GetRawText())}");
            var meta = root.TryGetProperty("meta", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            _context.Log.LogInformation("{Url}: {Count} crime servers, updated {Updated}, next update {Next}", _url, servers.GetArrayLength(),
                Text(meta, "updated") ?? "(not said)", Text(meta, "nextUpdate") ?? "(not said)");
            return (Encoding.UTF8.GetBytes(servers.GetRawText()), servers.GetArrayLength());
        }
    }

    static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    public void Dispose() => _http.Dispose();
}

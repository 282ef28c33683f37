using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.AlienVault;

/// <summary>
/// Fetches the pulses an OTX account subscribes to, page by page, and hands them on as one report: the JSON list of
/// pulses IntelMQ's OTX parser reads. The time of the last run handed on (modified_pulses_only) or the hash of the
/// last list handed on is the state, stored with the report.
/// </summary>
[Program("otx-collector", ProgramKind.Collector, "Fetches the pulses an AlienVault OTX account subscribes to as one report.",
    Modules = ["intelmq.bots.collectors.alienvault_otx.collector"],
    Options = typeof(OtxCollectorOptions),
    Description = """
        Every run asks OTX's DirectConnect API (GET pulses/subscribed under api_url, authenticated with the
        X-OTX-API-KEY header) for the subscribed pulses, following each page's next link, and hands on all of them
        as one report: a JSON list of pulses, as IntelMQ's OTX parser reads it, with feed.url the API's URL. With
        modified_pulses_only only the pulses modified since the last run are asked for (modified_since); the first
        run asks for the last interval hours. The run's start time is stored with the report once it is handed on,
        so a crash or a failed hand-off asks again from the earlier time. Without it every subscribed pulse is
        fetched each run, and a list identical to the last one handed on (same SHA-256) is not sent again. A run
        that finds no pulse sends nothing. A server that is down, 5xx or 429 is retried with backoff; a refused key
        (403) waits for the next run.
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run otx-collector --set api_key=KEY --set modified_pulses_only=true --set name='AlienVault OTX' --set provider=AlienVault --output file:otx.jsonl",
        "intelmq run intelmq.bots.collectors.alienvault_otx.collector --config otx.yaml --daemon",
    ])]
public sealed class OtxCollector : ICollector, IDisposable
{
    const string SinceKey = "modified_since", HashKey = "sha256";
    const int PageSize = 50;
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly OtxCollectorOptions _options;
    readonly ProgramContext _context;
    readonly string _name;
    readonly Secret _key;
    readonly Uri _pulses;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No api_key, or a malformed api_url.</exception>
    public OtxCollector(OtxCollectorOptions options, ProgramContext context)
    {
        _options = options;
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "otx-collector";
        _key = options.ApiKey is { IsEmpty: false } key ? key
            : throw new ConfigurationException($"{_name}: option 'api_key' is missing: the API key of your OTX account (Settings, OTX Key).");
        var url = options.ApiUrl.EndsWith('/') ? options.ApiUrl : options.ApiUrl + "/";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: option 'api_url' must be an http(s) URL, e.g. https://otx.alienvault.com/api/v1/; got '{options.ApiUrl}'.");
        _pulses = new Uri(api, "pulses/subscribed");
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = _context.Clock.GetUtcNow();
        string? since = null;
        if (_options.ModifiedPulsesOnly)
            since = state.Get(SinceKey) is { Length: > 0 } stored ? stored
                : (started - TimeSpan.FromHours(_options.Interval)).ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        var pulses = await FetchAsync(since, cancellationToken);
        _context.Log.LogInformation("{Url}: {Count} pulses{Since}", _pulses, pulses.Count, since is null ? "" : $" modified since {since}");
        if (pulses.Count == 0) yield break;
        var body = JsonSerializer.SerializeToUtf8Bytes(pulses);
        var checkpoint = new Dictionary<string, string?>();
        if (_options.ModifiedPulsesOnly)
        {
            checkpoint[SinceKey] = started.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture);
        }
        else
        {
            var hash = Convert.ToHexStringLower(SHA256.HashData(body));
            if (state.Get(HashKey) == hash)
            {
                _context.Log.LogInformation("{Url}: the pulses are unchanged since the last report, nothing sent", _pulses);
                yield break;
            }
            checkpoint[HashKey] = hash;
        }
        var report = new Event(MessageKind.Report);
        report.Add(FeedUrlField, _pulses.ToString());
        yield return new CollectedReport(report, new MemoryStream(body))
        {
            Checkpoint = checkpoint,
            Origin = $"{_pulses} ({pulses.Count} pulses)",
        };
    }

    async Task<JsonArray> FetchAsync(string? since, CancellationToken cancellationToken)
    {
        var query = $"?limit={PageSize}" + (since is null ? "" : "&modified_since=" + Uri.EscapeDataString(since));
        var pulses = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var next = new Uri(_pulses + query); ;)
        {
            // A next link that comes round again would page forever.
            if (!seen.Add(next.ToString())) throw new IOException($"{_pulses}: the API's next link loops back to {next}");
            var page = await GetAsync(next, cancellationToken);
            if (page["results"] is not JsonArray results) throw new IOException($"{next}: expected an object with results, got {FeedHttpClient.Shorten(page.ToJsonString())}");
            foreach (var pulse in results.ToList())
            {
                results.Remove(pulse);
                pulses.Add(pulse);
            }
            if (page["next"]?.GetValueKind() != JsonValueKind.String || page["next"]!.GetValue<string>() is not { Length: > 0 } link) return pulses;
            next = new Uri(_pulses, link);
        }
    }

    async Task<JsonObject> GetAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.TryAddWithoutValidation("X-OTX-API-KEY", _key.Reveal());
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            return request;
        }, cancellationToken);
        return await _http.ReadJsonNodeAsync(response, cancellationToken) as JsonObject ?? throw new IOException($"{url}: the answer is not a JSON object");
    }

    public void Dispose() => _http.Dispose();
}

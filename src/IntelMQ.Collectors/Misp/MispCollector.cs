using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Misp;

/// <summary>
/// Collects the MISP events that carry a tag, each as one report, and retags each once it is handed on: the
/// processed tag added, the to-process tag removed. The state lives in MISP: an event not yet retagged comes again.
/// </summary>
[Program("misp-collector", ProgramKind.Collector, "Collects the MISP events tagged to be processed, one report each, and retags each once it is handed on.",
    Modules = ["intelmq.bots.collectors.misp.collector"],
    Options = typeof(MispCollectorOptions),
    Description = """
        Every run searches the MISP server (POST events/restSearch with the tag misp_tag_to_process, authenticated
        with misp_key) and hands on every event found as one report: the event's JSON object (as IntelMQ's MISP
        parser reads it), with feed.url the server's URL. Only once an event is handed on (confirmed by every
        output) is it retagged: misp_tag_processed attached (tags/attachTagToObject), then misp_tag_to_process
        removed (tags/removeTagFromObject). A crash or a failed hand-off before that leaves the event tagged to
        process, so the next run collects it again: at least once, never skipped. An event that cannot be retagged
        (the tag does not exist, the key may not tag) is logged and comes again next run. The tags must be
        exportable in MISP, or the search does not find them. IntelMQ's deprecated misp_verify is not taken:
        write http_verify_cert.
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run misp-collector --set misp_url=https://misp.example/ --set misp_key=KEY --set misp_tag_to_process=intelmq:to_process --set misp_tag_processed=intelmq:processed --set name=MISP --output file:events.jsonl",
        "intelmq run intelmq.bots.collectors.misp.collector --config misp.yaml --daemon",
    ])]
public sealed class MispCollector : ICollector, IDisposable
{
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly ProgramContext _context;
    readonly string _name;
    readonly Uri _url;
    readonly Secret _key;
    readonly string _toProcess;
    readonly string? _processed;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No or a malformed misp_url, no misp_key or no misp_tag_to_process.</exception>
    public MispCollector(MispCollectorOptions options, ProgramContext context)
    {
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "misp-collector";
        var url = options.MispUrl is { Length: > 0 } u && !u.EndsWith('/') ? u + "/" : options.MispUrl;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: option 'misp_url' must be the http(s) URL of the MISP server, e.g. https://misp.example/; got '{options.MispUrl}'.");
        _url = uri;
        _key = options.MispKey is { IsEmpty: false } key ? key
            : throw new ConfigurationException($"{_name}: option 'misp_key' is missing: a MISP user's authentication key.");
        _toProcess = options.MispTagToProcess is { Length: > 0 } tag ? tag
            : throw new ConfigurationException($"{_name}: option 'misp_tag_to_process' is missing: the tag of the events to collect, e.g. intelmq:to_process.");
        _processed = options.MispTagProcessed is { Length: > 0 } processed ? processed : null;
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = await SearchAsync(cancellationToken);
        _context.Log.LogInformation("{Url}: {Count} events tagged {Tag}", _url, events.Count, _toProcess);
        foreach (var (id, uuid, json) in events)
        {
            var report = new Event(MessageKind.Report);
            report.Add(FeedUrlField, _url.ToString());
            yield return new CollectedReport(report, new MemoryStream(json))
            {
                Origin = $"{_url} event {id} ({uuid})",
                Commit = ct => RetagAsync(uuid, ct),
            };
        }
    }

    async Task<List<(string Id, string Uuid, byte[] Json)>> SearchAsync(CancellationToken cancellationToken)
    {
        var query = new JsonObject { ["returnFormat"] = "json", ["tags"] = new JsonArray(_toProcess) };
        using var answer = await PostAsync("events/restSearch", query, cancellationToken);
        // MISP answers {"response": [{"Event": {...}}, ...]}; some versions a bare list.
        var root = answer.RootElement;
        var list = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("response", out var r) ? r : root;
        if (list.ValueKind != JsonValueKind.Array) throw new IOException($"{_url}events/restSearch: expected a list of events, got {FeedHttpClient.Shorten(root.GetRawText())}");
        var events = new List<(string, string, byte[])>();
        foreach (var item in list.EnumerateArray())
        {
            var misp = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("Event", out var e) ? e : item;
            if (Text(misp, "uuid") is not { Length: > 0 } uuid)
            {
                _context.Log.LogWarning("{Url}: an event without uuid is left out: {Event}", _url, FeedHttpClient.Shorten(misp.GetRawText()));
                continue;
            }
            events.Add((Text(misp, "id") ?? uuid, uuid, Encoding.UTF8.GetBytes(misp.GetRawText())));
        }
        return events;
    }

    async ValueTask RetagAsync(string uuid, CancellationToken cancellationToken)
    {
        // Added before removed: a crash in between leaves both tags, and the event comes again rather than never.
        if (_processed is { } processed)
            using (await PostAsync("tags/attachTagToObject", new JsonObject { ["uuid"] = uuid, ["tag"] = processed }, cancellationToken)) { }
        using (await PostAsync("tags/removeTagFromObject", new JsonObject { ["uuid"] = uuid, ["tag"] = _toProcess }, cancellationToken)) { }
    }

    async Task<JsonDocument> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        var url = new Uri(_url, path);
        using var response = await _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", _key.Reveal());
            request.Headers.TryAddWithoutValidation("Accept", "application/json");
            return request;
        }, cancellationToken);
        var json = await _http.ReadJsonAsync(response, cancellationToken);
        // MISP says a refusal in the body of a 200 too: {"saved": false, "errors": ...}.
        if (json.RootElement.ValueKind == JsonValueKind.Object
            && (json.RootElement.TryGetProperty("errors", out _) || json.RootElement.TryGetProperty("saved", out var saved) && saved.ValueKind == JsonValueKind.False))
        {
            var text = json.RootElement.GetRawText();
            json.Dispose();
            throw new IOException($"{url}: MISP refused: {FeedHttpClient.Shorten(text)}");
        }
        return json;
    }

    static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText() : null;

    public void Dispose() => _http.Dispose();
}

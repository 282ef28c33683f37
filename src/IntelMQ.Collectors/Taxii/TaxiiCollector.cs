using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Taxii;

/// <summary>
/// Reads a TAXII 2.1 collection page by page and hands on each page's objects as one STIX 2.1 bundle. The state is
/// the server's X-TAXII-Date-Added-Last of the last page handed on: the next page, and the next run, ask for what was
/// added after it.
/// </summary>
[Program("taxii-collector", ProgramKind.Collector, "Reads a TAXII 2.1 collection, page by page, and hands on each page as a STIX 2.1 bundle for the STIX parser.",
    Options = typeof(TaxiiCollectorOptions),
    Description = """
        Every run finds the API root (taxii_url is a discovery URL, whose api_root or default root is taken, or an
        API root itself) and the collection (collection: its id or title, which must be readable), then asks for the
        collection's objects added after the last run (GET .../objects/?added_after=...&limit=..., Accept:
        application/taxii+json;version=2.1), following the server's next and more through every page. Each page's
        objects become one report, a STIX 2.1 bundle ({"type": "bundle", "id": ..., "objects": [...]}) with feed.url
        the collection's objects URL, for the STIX parser. Once a page is handed on, the server's
        X-TAXII-Date-Added-Last of that page is stored as the next added_after, so a crash repeats at most the page
        in hand and skips none. Authentication: http_username and http_password (basic), or token (bearer). A server
        that is down, 5xx or 429 is retried with backoff; 401, 403 and 404 are logged and tried at the next run.
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run taxii-collector --set taxii_url=https://taxii.example/taxii2/ --set collection='Indicators' --set http_username=USER --set http_password=PASS --set name='Partner TAXII' --output file:bundles.jsonl",
        "intelmq run taxii-collector --daemon --set rate_limit=3600 --set taxii_url=https://taxii.example/api1/ --set collection=91a7b528-80eb-42ed-a74d-c6fbd5a26116 --set token=TOKEN",
    ])]
public sealed class TaxiiCollector : ICollector, IDisposable
{
    const string MediaType = "application/taxii+json;version=2.1";
    const string AddedAfterKey = "added_after", CollectionKey = "collection";
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    readonly TaxiiCollectorOptions _options;
    readonly ProgramContext _context;
    readonly string _name;
    readonly Uri _url;
    readonly string _collection;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No or a malformed taxii_url, or no collection.</exception>
    public TaxiiCollector(TaxiiCollectorOptions options, ProgramContext context)
    {
        _options = options;
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "taxii-collector";
        if (!Uri.TryCreate(options.TaxiiUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: option 'taxii_url' must be the http(s) URL of the server's discovery or of an API root, e.g. https://taxii.example/taxii2/; got '{options.TaxiiUrl}'.");
        _url = AsDirectory(url);
        _collection = options.Collection is { Length: > 0 } collection ? collection
            : throw new ConfigurationException($"{_name}: option 'collection' is missing: the id or title of the collection to read.");
        if (options.AddedAfter is { Length: > 0 } after && !DateTimeOffset.TryParse(after, out _))
            throw new ConfigurationException($"{_name}: added_after '{after}' is not a timestamp such as 2024-05-01T00:00:00Z.");
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var root = await ApiRootAsync(cancellationToken);
        var collection = await CollectionAsync(root, cancellationToken);
        var objects = new Uri(root, $"collections/{Uri.EscapeDataString(collection)}/objects/");
        // A different collection starts from the configured beginning, not from another one's position.
        var addedAfter = state.Get(CollectionKey) == objects.ToString() ? state.Get(AddedAfterKey) : _options.AddedAfter is { Length: > 0 } a ? a : null;
        string? next = null;
        for (var page = 1; ; page++)
        {
            var query = $"?limit={_options.Limit}" + (addedAfter is null ? "" : $"&added_after={Uri.EscapeDataString(addedAfter)}")
                        + (next is null ? "" : $"&next={Uri.EscapeDataString(next)}");
            using var response = await _http.SendAsync(() => Get(new Uri(objects, query)), cancellationToken);
            var lastAdded = response.Headers.TryGetValues("X-TAXII-Date-Added-Last", out var values) ? values.FirstOrDefault() : null;
            using var body = new MemoryStream();
            await _http.CopyBodyAsync(response, body, null, cancellationToken);
            var (bundle, count, more, nextPage) = Envelope(body.ToArray(), objects);
            _context.Log.LogInformation("{Url}: page {Page}, {Count} objects added after {After}", objects, page, count, addedAfter ?? "the beginning");
            if (count > 0 && lastAdded is null)
                _context.Log.LogWarning("{Url}: the server sent no X-TAXII-Date-Added-Last; the next run asks for these objects again", objects);
            var checkpoint = lastAdded is null ? new Dictionary<string, string?>()
                : new Dictionary<string, string?> { [CollectionKey] = objects.ToString(), [AddedAfterKey] = lastAdded };
            if (count > 0)
            {
                var report = new Event(MessageKind.Report);
                report.Add(FeedUrlField, objects.ToString());
                yield return new CollectedReport(report, new MemoryStream(bundle))
                {
                    Checkpoint = checkpoint,
                    Origin = $"{objects} (page {page}, added after {addedAfter ?? "the beginning"})",
                };
            }
            if (!more || count == 0) yield break;
            // With a next, the server goes on from where it was; without, the date of the last page does.
            next = nextPage;
            if (next is not null) continue;
            if (lastAdded is null || lastAdded == addedAfter)
            {
                _context.Log.LogWarning("{Url}: the server says there is more but gives neither next nor a later X-TAXII-Date-Added-Last; the rest comes next run", objects);
                yield break;
            }
            addedAfter = lastAdded;
        }
    }

    /// <summary>The API root: taxii_url itself, or the one its discovery names.</summary>
    async Task<Uri> ApiRootAsync(CancellationToken cancellationToken)
    {
        using var json = await GetJsonAsync(_url, cancellationToken);
        if (!json.RootElement.TryGetProperty("api_roots", out var roots)) return _url;
        var listed = roots.ValueKind == JsonValueKind.Array ? roots.EnumerateArray().Select(r => r.GetString()).OfType<string>().ToList() : [];
        var chosen = _options.ApiRoot is { Length: > 0 } wanted ? wanted
            : json.RootElement.TryGetProperty("default", out var d) && d.GetString() is { Length: > 0 } fallback ? fallback
            : listed.Count == 1 ? listed[0]
            : throw new IOException($"{_url}: the discovery lists {listed.Count} API roots and no default; choose one with api_root: {string.Join(", ", listed)}");
        return AsDirectory(new Uri(_url, chosen));
    }

    /// <summary>The id of the collection named by id or title, which must be readable.</summary>
    async Task<string> CollectionAsync(Uri root, CancellationToken cancellationToken)
    {
        var url = new Uri(root, "collections/");
        using var json = await GetJsonAsync(url, cancellationToken);
        var collections = json.RootElement.TryGetProperty("collections", out var c) && c.ValueKind == JsonValueKind.Array ? c.EnumerateArray().ToList() : [];
        string? Text(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var found = collections.FirstOrDefault(e => Text(e, "id") == _collection);
        if (found.ValueKind == JsonValueKind.Undefined) found = collections.FirstOrDefault(e => Text(e, "title") == _collection);
        if (found.ValueKind == JsonValueKind.Undefined)
            throw new IOException($"{url}: no collection has the id or title '{_collection}'; there are: {string.Join(", ", collections.Select(e => $"{Text(e, "title")} ({Text(e, "id")})"))}");
        if (found.TryGetProperty("can_read", out var canRead) && canRead.ValueKind == JsonValueKind.False)
            throw new IOException($"{url}: collection '{_collection}' cannot be read with these credentials (can_read is false).");
        return Text(found, "id") ?? throw new IOException($"{url}: collection '{_collection}' has no id.");
    }

    async Task<JsonDocument> GetJsonAsync(Uri url, CancellationToken cancellationToken)
    {
        using var response = await _http.SendAsync(() => Get(url), cancellationToken);
        return await _http.ReadJsonAsync(response, cancellationToken);
    }

    HttpRequestMessage Get(Uri url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", MediaType);
        if (_options.Token is { IsEmpty: false } token) request.Headers.Authorization = new("Bearer", token.Reveal());
        return request;
    }

    /// <summary>An envelope's objects as a STIX bundle whose id is made from its content (the same page is the same bundle).</summary>
    static (byte[] Bundle, int Count, bool More, string? Next) Envelope(byte[] body, Uri url)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw new IOException($"{url}: the envelope is not JSON: {ex.Message}", ex);
        }
        using (json)
        {
            var envelope = json.RootElement;
            if (envelope.ValueKind != JsonValueKind.Object) throw new IOException($"{url}: the answer is not a TAXII envelope (a JSON object).");
            var more = envelope.TryGetProperty("more", out var m) && m.ValueKind == JsonValueKind.True;
            var next = envelope.TryGetProperty("next", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
            if (!envelope.TryGetProperty("objects", out var objects) || objects.ValueKind != JsonValueKind.Array || objects.GetArrayLength() == 0)
                return ([], 0, more, next);
            var raw = Encoding.UTF8.GetBytes(objects.GetRawText());
            var hash = SHA256.HashData(raw);
            // A version 4 layout over the hash: a stable id that reads as a UUID.
            hash[6] = (byte)(hash[6] & 0x0F | 0x40);
            hash[8] = (byte)(hash[8] & 0x3F | 0x80);
            var id = new Guid(hash.AsSpan(0, 16), bigEndian: true);
            using var bundle = new MemoryStream(raw.Length + 100);
            using (var writer = new Utf8JsonWriter(bundle))
            {
                writer.WriteStartObject();
                writer.WriteString("type", "bundle");
                writer.WriteString("id", $"bundle--{id}");
                writer.WritePropertyName("objects");
                objects.WriteTo(writer);
                writer.WriteEndObject();
            }
            return (bundle.ToArray(), objects.GetArrayLength(), more, next);
        }
    }

    // Relative references (collections/, an API root's path) resolve below a URL only when it ends with a slash.
    static Uri AsDirectory(Uri url) => url.AbsolutePath.EndsWith('/') ? url : new UriBuilder(url) { Path = url.AbsolutePath + "/" }.Uri;

    public void Dispose() => _http.Dispose();
}

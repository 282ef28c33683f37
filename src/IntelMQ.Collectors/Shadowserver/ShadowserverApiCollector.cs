using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.Shadowserver;

/// <summary>
/// Lists the reports Shadowserver's reports API has for the last days and hands on each one not handed on before,
/// named as Shadowserver names its files so that the Shadowserver parser finds the report type. The ids handed on are
/// the state, stored with each report once it is handed on and forgotten once older than the days asked for.
/// </summary>
[Program("shadowserver-api-collector", ProgramKind.Collector, "Fetches new reports from Shadowserver's reports API (HMAC-signed requests), each named as Shadowserver names its files.",
    Modules = ["intelmq.bots.collectors.shadowserver.collector_reports_api"],
    Options = typeof(ShadowserverApiCollectorOptions),
    Description = """
        Every run asks Shadowserver's reports API (reports/list, a POST signed with the secret: the HMAC2 header is
        the HMAC-SHA256 of the request body) for the reports of the mailing lists in reports (and country) dated from
        days-1 days ago to today (UTC), keeps those of the report types in types (all when empty), and downloads each
        one not handed on before: with file_format csv Shadowserver's CSV file from download_url, with json the
        report's rows through reports/download. Each report carries custom.file_name (IntelMQ's extra.file_name), the
        name Shadowserver gives the file (2024-05-01-scan_smb-united-states-geo.csv; .json for json), from which the
        Shadowserver parser takes the report type. The ids handed on are remembered in the state store, each stored
        once its report is handed on, so a crash repeats at most the report in hand and skips none; ids older than
        the days asked for are forgotten. IntelMQ's redis_cache_* parameters are accepted and not used: the state
        store replaces the cache. A server that is down, 5xx or 429 is retried with backoff; a refused signature
        (401, 403) waits for the next run; a report whose download is refused is logged and tried again next run.
        """,
    FieldsWritten = ["custom.file_name"],
    Examples = [
        "intelmq run shadowserver-api-collector --set api_key=KEY --set secret=SECRET --set reports=united-states --set types=scan_smb,device_id --set name=Shadowserver --output file:reports.jsonl",
        "intelmq run intelmq.bots.collectors.shadowserver.collector_reports_api --config shadowserver-api.yaml --daemon",
    ])]
public sealed class ShadowserverApiCollector : ICollector, IDisposable
{
    const string SeenKey = "reports";
    static readonly string FileNameField = DhoMapping.ToIdf("extra.file_name")!;

    readonly ShadowserverApiCollectorOptions _options;
    readonly ProgramContext _context;
    readonly string _name;
    readonly Secret _apiKey;
    readonly byte[] _secret;
    readonly string[] _reports;
    readonly HashSet<string> _types;
    readonly bool _json;
    readonly Uri _api, _download;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No api_key or secret, an unknown file_format, or a malformed URL.</exception>
    public ShadowserverApiCollector(ShadowserverApiCollectorOptions options, ProgramContext context)
    {
        _options = options;
        _context = context;
        _name = context.Id is { Length: > 0 } id ? id : "shadowserver-api-collector";
        _apiKey = options.ApiKey is { IsEmpty: false } key ? key
            : throw new ConfigurationException($"{_name}: option 'api_key' is missing: the API key Shadowserver gave you.");
        _secret = options.Secret is { IsEmpty: false } secret ? Encoding.UTF8.GetBytes(secret.Reveal())
            : throw new ConfigurationException($"{_name}: option 'secret' is missing: the API secret Shadowserver gave you with the key.");
        _reports = [.. options.Reports, .. options.Country is { Length: > 0 } country ? [country] : Array.Empty<string>()];
        _types = options.Types.ToHashSet(StringComparer.Ordinal);
        _json = options.FileFormat.Trim().ToLowerInvariant() switch
        {
            "csv" => false,
            "json" => true,
            _ => throw new ConfigurationException($"{_name}: file_format '{options.FileFormat}' is neither csv nor json."),
        };
        _api = BaseUrl(options.ApiUrl, "api_url");
        _download = BaseUrl(options.DownloadUrl, "download_url");
        _http = new FeedHttpClient(options, _name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var today = DateOnly.FromDateTime(_context.Clock.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - _options.Days);
        var seen = Seen(state.Get(SeenKey), first);
        var listed = await ListAsync(first, today, cancellationToken);
        var wanted = listed.Where(r => (_types.Count == 0 || _types.Contains(r.Type)) && !seen.ContainsKey(r.Id)).ToList();
        _context.Log.LogInformation("{Api}: {Listed} reports listed from {First} to {Today}, {New} new and wanted",
            _api, listed.Count, first, today, wanted.Count);
        foreach (var listing in wanted)
        {
            var file = TemporaryFile.Create("shadowserver");
            try
            {
                await DownloadAsync(listing, file, cancellationToken);
            }
            catch (IOException ex)
            {
                // Not remembered: the next run asks for it again while it is listed.
                file.Dispose();
                _context.Log.LogWarning("{Api}: report {File} not downloaded, tried again next run: {Error}", _api, listing.File, ex.Message);
                continue;
            }
            catch
            {
                file.Dispose();
                throw;
            }
            file.Position = 0;
            seen[listing.Id] = listing.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var report = new Event(MessageKind.Report);
            report.Add(FileNameField, listing.File);
            yield return new CollectedReport(report, file)
            {
                Checkpoint = new Dictionary<string, string?> { [SeenKey] = JsonSerializer.Serialize(new SortedDictionary<string, string>(seen, StringComparer.Ordinal)) },
                Origin = $"{_api} report {listing.File}",
            };
        }
    }

    sealed record Listing(string Id, string Type, string File, DateOnly Date);

    async Task<List<Listing>> ListAsync(DateOnly first, DateOnly last, CancellationToken cancellationToken)
    {
        var query = new JsonObject { ["date"] = $"{first:yyyy-MM-dd}:{last:yyyy-MM-dd}" };
        if (_reports.Length > 0) query["reports"] = new JsonArray([.. _reports.Select(r => (JsonNode)r)]);
        using var response = await _http.SendAsync(() => Signed("reports/list", query), cancellationToken);
        var answer = await _http.ReadJsonNodeAsync(response, cancellationToken);
        if (answer is JsonObject { } refusal)
            throw new IOException($"{_api}reports/list: the API refused: {refusal["error"]?.ToString() ?? refusal.ToJsonString()}");
        if (answer is not JsonArray reports) throw new IOException($"{_api}reports/list: expected a list of reports, got {answer?.GetValueKind().ToString() ?? "null"}");
        var listings = new List<Listing>();
        foreach (var item in reports)
        {
            if (item?["id"]?.ToString() is not { Length: > 0 } id || item["file"]?.ToString() is not { Length: > 0 } file)
            {
                _context.Log.LogWarning("{Api}: a listed report without id or file name is left out: {Report}", _api, item?.ToJsonString());
                continue;
            }
            var date = DateOnly.TryParse(item["timestamp"]?.ToString(), CultureInfo.InvariantCulture, out var d) ? d : last;
            if (_json) file = Path.ChangeExtension(file, ".json");
            listings.Add(new Listing(id, item["type"]?.ToString() ?? TypeOf(file), Path.GetFileName(file), date));
        }
        return [.. listings.OrderBy(l => l.Date).ThenBy(l => l.File, StringComparer.Ordinal)];
    }

    // 2024-05-01-scan_smb-united-states-geo.csv: the type is the part after the date, as the parser reads it.
    static string TypeOf(string file)
    {
        var parts = Path.GetFileNameWithoutExtension(file).Split('-');
        return parts.Length > 3 ? parts[3] : "";
    }

    async Task DownloadAsync(Listing listing, Stream target, CancellationToken cancellationToken)
    {
        using var response = _json
            ? await _http.SendAsync(() => Signed("reports/download", new JsonObject { ["id"] = listing.Id }), cancellationToken)
            : await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, new Uri(_download, Uri.EscapeDataString(listing.Id))), cancellationToken);
        await _http.CopyBodyAsync(response, target, null, cancellationToken);
    }

    /// <summary>A POST of the query with the API key, signed as the API wants: HMAC2 is the hex HMAC-SHA256 of the body under the secret.</summary>
    HttpRequestMessage Signed(string method, JsonObject query)
    {
        var request = (JsonObject)query.DeepClone();
        request["apikey"] = _apiKey.Reveal();
        var body = Encoding.UTF8.GetBytes(request.ToJsonString());
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_api, method)) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new("application/json");
        message.Headers.TryAddWithoutValidation("HMAC2", Convert.ToHexStringLower(HMACSHA256.HashData(_secret, body)));
        return message;
    }

    // The ids handed on, with their dates; those dated before the first day asked for are forgotten.
    static Dictionary<string, string> Seen(string? stored, DateOnly first)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stored is not { Length: > 0 }) return seen;
        try
        {
            foreach (var (id, date) in JsonSerializer.Deserialize<Dictionary<string, string>>(stored) ?? [])
                if (!DateOnly.TryParse(date, CultureInfo.InvariantCulture, out var d) || d >= first) seen[id] = date;
        }
        catch (JsonException)
        {
            // A damaged state forgets: the reports come again rather than never.
        }
        return seen;
    }

    Uri BaseUrl(string text, string option)
    {
        if (!Uri.TryCreate(text.EndsWith('/') ? text : text + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{_name}: {option} '{text}' is not an http:// or https:// URL.");
        return uri;
    }

    public void Dispose() => _http.Dispose();
}

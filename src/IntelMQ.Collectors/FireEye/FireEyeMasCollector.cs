using System.Globalization;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using IntelMQ.Collectors.Http;
using IntelMQ.Contract;
using IntelMQ.Core;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Collectors.FireEye;

/// <summary>
/// Asks a FireEye (Trellix) appliance's Web Services API for the alerts of the last request_duration and hands on
/// the OpenIOC document of each alert not handed on before, one report each, for the FireEye parser. The uuids handed
/// on are the state, stored with each report and forgotten once they are older than the duration asked for.
/// </summary>
[Program("fireeye-mas-collector", ProgramKind.Collector, "Fetches the OpenIOC of each new alert of a FireEye (Trellix) MAS or CM appliance, one report per alert.",
    Modules = ["intelmq.bots.collectors.fireeye.collector_mas"],
    Options = typeof(FireEyeMasCollectorOptions),
    Description = """
        Every run logs in to the appliance's Web Services API (POST /wsapis/v2.0.0/auth/login with http_username and
        http_password as HTTP basic authentication; the session is the X-FeApi-Token the appliance answers with),
        lists the alerts of the last request_duration (GET /wsapis/v2.0.0/alerts?duration=24_hours, as JSON), fetches
        the OpenIOC document of every alert not handed on before (GET /wsapis/v2.0.0/openioc?alert_uuid=UUID) and logs
        out (POST /wsapis/v2.0.0/auth/logout: the appliance allows 100 sessions at most). Each document is one report,
        the XML the FireEye parser reads, with feed.url the appliance's URL. The uuids of the alerts handed on are
        stored with each report once it is handed on, so a crash repeats at most the report in hand and skips none;
        uuids older than request_duration are forgotten, since the appliance no longer lists their alerts. An alert
        whose OpenIOC is refused (404) or empty is logged and asked for again next run while it is listed. A refused
        login (401) waits for the next run; an appliance that is down, 5xx or 429 is retried with backoff. Written
        from the Web Services API's public documentation and IntelMQ's, and tested against a local server that
        answers as they describe (no appliance was reachable); the documentation lists the openioc request for the
        Central Management System, so point host at the CM that manages your MAS when the MAS itself refuses it.
        """,
    FieldsWritten = ["feed.url"],
    Examples = [
        "intelmq run fireeye-mas-collector --set host=fireeye.example --set http_username=api-user --set http_password=SECRET --set request_duration=24_hours --set name='FireEye MAS' --output file:alerts.jsonl",
        "intelmq run intelmq.bots.collectors.fireeye.collector_mas --config fireeye.yaml --daemon",
    ])]
public sealed class FireEyeMasCollector : ICollector, IDisposable
{
    const string SeenKey = "alerts";
    static readonly string FeedUrlField = DhoMapping.ToIdf("feed.url")!;

    // The Web Services API's durations; an alert older than its duration (and an hour for clock skew) is not listed again.
    static readonly Dictionary<string, TimeSpan> Durations = new(StringComparer.Ordinal)
    {
        ["1_hour"] = TimeSpan.FromHours(1), ["2_hours"] = TimeSpan.FromHours(2), ["6_hours"] = TimeSpan.FromHours(6),
        ["12_hours"] = TimeSpan.FromHours(12), ["24_hours"] = TimeSpan.FromHours(24), ["48_hours"] = TimeSpan.FromHours(48),
    };

    readonly ProgramContext _context;
    readonly string _duration;
    readonly TimeSpan _remembered;
    readonly Uri _root, _api;
    readonly AuthenticationHeaderValue _login;
    readonly FeedHttpClient _http;

    /// <exception cref="ConfigurationException">No host, http_username or http_password, or an unknown request_duration.</exception>
    public FireEyeMasCollector(FireEyeMasCollectorOptions options, ProgramContext context)
    {
        _context = context;
        var name = context.Id is { Length: > 0 } id ? id : "fireeye-mas-collector";
        if (options.Host is not { Length: > 0 } host)
            throw new ConfigurationException($"{name}: option 'host' is missing: the DNS name of your FireEye appliance.");
        var root = host.Contains("://", StringComparison.Ordinal) ? host : "https://" + host;
        if (!Uri.TryCreate(root.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{name}: host '{host}' is neither a DNS name nor an http(s) URL.");
        _root = uri;
        _api = new Uri(uri, "wsapis/v2.0.0/");
        _duration = options.RequestDuration.Trim();
        _remembered = Durations.TryGetValue(_duration, out var window) ? window + TimeSpan.FromHours(1)
            : throw new ConfigurationException($"{name}: request_duration '{options.RequestDuration}' is not one of {string.Join(", ", Durations.Keys)}.");
        if (options.HttpUsername is not { Length: > 0 } user || options.HttpPassword is not { IsEmpty: false } password)
            throw new ConfigurationException($"{name}: give http_username and http_password, an appliance user with the API Analyst or API Monitor role.");
        _login = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password.Reveal()}")));
        // The password goes with the login only; every later request carries the session's token.
        _http = new FeedHttpClient(options with { HttpUsername = null, HttpPassword = null }, name, context.Clock);
    }

    public async IAsyncEnumerable<CollectedReport> CollectAsync(ICollectorState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var now = _context.Clock.GetUtcNow();
        var seen = Seen(state.Get(SeenKey), now - _remembered);
        var documents = await FetchAsync(seen, cancellationToken);
        var handedOn = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var feedUrl = _root.ToString().TrimEnd('/');
        foreach (var (uuid, document) in documents)
        {
            seen[uuid] = handedOn;
            var report = new Event(MessageKind.Report);
            report.Add(FeedUrlField, feedUrl);
            yield return new CollectedReport(report, new MemoryStream(document))
            {
                Checkpoint = new Dictionary<string, string?> { [SeenKey] = JsonSerializer.Serialize(new SortedDictionary<string, string>(seen, StringComparer.Ordinal)) },
                Origin = $"{feedUrl} alert {uuid}",
            };
        }
    }

    /// <summary>One session: the alerts listed, the OpenIOC of each not seen before, then the logout, before anything is handed on.</summary>
    async Task<List<(string Uuid, byte[] Document)>> FetchAsync(Dictionary<string, string> seen, CancellationToken cancellationToken)
    {
        var token = await LoginAsync(cancellationToken);
        try
        {
            var alerts = await AlertsAsync(token, cancellationToken);
            var fresh = alerts.Where(uuid => !seen.ContainsKey(uuid)).ToList();
            _context.Log.LogInformation("{Api}: {Count} alerts in the last {Duration}, {New} not handed on before", _api, alerts.Count, _duration, fresh.Count);
            var documents = new List<(string, byte[])>();
            foreach (var uuid in fresh)
            {
                try
                {
                    using var response = await SendAsync(HttpMethod.Get, $"openioc?alert_uuid={Uri.EscapeDataString(uuid)}", token, "application/xml", cancellationToken);
                    using var body = new MemoryStream();
                    await _http.CopyBodyAsync(response, body, null, cancellationToken);
                    if (body.Length == 0 || Encoding.UTF8.GetString(body.ToArray()).Trim().Length == 0)
                        _context.Log.LogWarning("{Api}: alert {Uuid} has no OpenIOC document, asked for again next run", _api, uuid);
                    else documents.Add((uuid, body.ToArray()));
                }
                catch (IOException ex)
                {
                    _context.Log.LogWarning("{Api}: the OpenIOC of alert {Uuid} was refused, asked for again next run: {Error}", _api, uuid, ex.Message);
                }
            }
            return documents;
        }
        finally
        {
            await LogoutAsync(token);
        }
    }

    async Task<string> LoginAsync(CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(() => new HttpRequestMessage(HttpMethod.Post, new Uri(_api, "auth/login")) { Headers = { Authorization = _login } }, cancellationToken);
        }
        catch (IOException ex)
        {
            throw new IOException($"{ex.Message} (the login was refused: check http_username and http_password, a user with the API Analyst or API Monitor role)", ex);
        }
        using (response)
            return response.Headers.TryGetValues("X-FeApi-Token", out var values) && values.FirstOrDefault() is { Length: > 0 } token ? token
                : throw new IOException($"{_api}auth/login: the appliance answered {(int)response.StatusCode} without an X-FeApi-Token");
    }

    async Task LogoutAsync(string token)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_http.ConnectTimeout + _http.ReadTimeout);
            using (await SendAsync(HttpMethod.Post, "auth/logout", token, null, timeout.Token)) { }
        }
        catch (Exception ex) when (ex is IOException or TransientException or OperationCanceledException)
        {
            // The session times out by itself after 15 minutes: a failed logout costs nothing but a session slot meanwhile.
            _context.Log.LogWarning("{Api}: the logout failed: {Error}", _api, ex.Message);
        }
    }

    /// <returns>The uuids of the listed alerts, in the order listed.</returns>
    async Task<List<string>> AlertsAsync(string token, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"alerts?duration={_duration}", token, "application/json", cancellationToken);
        using (var answer = await _http.ReadJsonAsync(response, cancellationToken))
        {
            var root = answer.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new IOException($"{_api}alerts: expected an object with an alert list, got {FeedHttpClient.Shorten(root.GetRawText())}");
            // No alert at all may come without the list; a single one as an object rather than a list of one.
            List<JsonElement> listed = !root.TryGetProperty("alert", out var alert) ? []
                : alert.ValueKind == JsonValueKind.Array ? alert.EnumerateArray().ToList()
                : alert.ValueKind == JsonValueKind.Object ? [alert]
                : throw new IOException($"{_api}alerts: 'alert' is a JSON {alert.ValueKind}, expected a list");
            var uuids = new List<string>();
            var listedOnce = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in listed)
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("uuid", out var uuid) && uuid.ValueKind == JsonValueKind.String && uuid.GetString() is { Length: > 0 } text)
                {
                    if (listedOnce.Add(text)) uuids.Add(text);
                }
                else _context.Log.LogWarning("{Api}: an alert without uuid is left out: {Alert}", _api, FeedHttpClient.Shorten(item.GetRawText()));
            }
            return uuids;
        }
    }

    Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, string? accept, CancellationToken cancellationToken) =>
        _http.SendAsync(() =>
        {
            var request = new HttpRequestMessage(method, new Uri(_api, path));
            request.Headers.TryAddWithoutValidation("X-FeApi-Token", token);
            if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
            return request;
        }, cancellationToken);

    // The uuids handed on, with when; those older than the duration asked for are forgotten.
    static Dictionary<string, string> Seen(string? stored, DateTimeOffset oldest)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        if (stored is not { Length: > 0 }) return seen;
        try
        {
            foreach (var (uuid, when) in JsonSerializer.Deserialize<Dictionary<string, string>>(stored) ?? [])
                if (!DateTimeOffset.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) || at >= oldest) seen[uuid] = when;
        }
        catch (JsonException)
        {
            // A damaged state forgets: the alerts come again rather than never.
        }
        return seen;
    }

    public void Dispose() => _http.Dispose();
}

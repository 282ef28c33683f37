using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Http;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.Misp;

/// <summary>Adds events to a MISP instance through its REST API: a new MISP event with an intelmq_event object, or a sighting on the MISP event that already holds it.</summary>
[Program("misp-api-output", ProgramKind.Output, "Adds events to MISP through its REST API: a MISP event with an intelmq_event object, or a sighting when a tagged MISP event already holds the significant values.",
    Modules = ["intelmq.bots.outputs.misp.output_api"],
    Options = typeof(MispApiOutputOptions),
    Description = """
        For each event, the values of its significant_fields are searched for (POST /attributes/restSearch) among the
        attributes of MISP events tagged misp_tag_for_bot. When one MISP event holds all of them, the event is a
        repeated sighting: a sighting is added to each of those attributes (POST /sightings/add/<id>), with the event's
        time.source (IntelMQ's output updates the MISP event's timestamp instead). Otherwise a new MISP event is
        created (POST /events/add): its info names the feed, tags misp_tag_for_bot, the feed's provider and name (as
        add_feed_provider_as_tag and add_feed_name_as_tag ask) and misp_additional_tags, published as misp_publish
        says, holding one intelmq_event object whose attributes are the event's fields (raw left out; types as
        misp-feed-output gives them), to_ids for misp_to_ids_fields, correlation only for significant_fields and
        misp_additional_correlation_fields. The API key is sent in the Authorization header. An event MISP refuses
        (4xx with its errors) goes to the dump with MISP's message; an event without a significant field is refused;
        MISP unreachable, 5xx, 429 or a refused key (401, or 403 without errors) retries. MISP takes one event per request: mind the rate
        (put a filter or deduplicator before this output). The health check asks /servers/getVersion.
        """,
    FieldsRead = ["*"],
    Examples = ["intelmq run misp-api-output --set misp_url=https://misp.example.org --set misp_key=... --set misp_tag_for_bot=intelmq --set significant_fields=source.ip,malware.name < events.jsonl"])]
public sealed class MispApiOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "misp-api-output";

    readonly MispApiOutputOptions _options;
    readonly Uri _base;
    readonly HttpClient _http;
    readonly (string Name, string Path)[] _significant;
    readonly HashSet<string> _toIds, _correlating;

    public MispApiOutput(MispApiOutputOptions options)
    {
        _options = options;
        if (!Uri.TryCreate(options.MispUrl.EndsWith('/') ? options.MispUrl : options.MispUrl + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{Program}: option 'misp_url' is '{options.MispUrl}'; give the MISP instance's URL, e.g. https://misp.example.org.");
        _base = uri;
        if (options.MispKey.Reveal().Length == 0) throw new ConfigurationException($"{Program}: option 'misp_key' is empty; give the API key of the MISP user (Event Actions, Automation).");
        if (options.MispTagForBot.Length == 0) throw new ConfigurationException($"{Program}: option 'misp_tag_for_bot' is empty; give the tag that marks this output's MISP events, e.g. intelmq.");
        if (options.SignificantFields.Length == 0) throw new ConfigurationException($"{Program}: option 'significant_fields' is empty; name the fields that identify an event, e.g. [source.ip, malware.name].");
        _significant = options.SignificantFields.Select(f => (f, IntelMQFields.Path(f)
            ?? throw new ConfigurationException($"{Program}: option 'significant_fields': '{f}' is neither an IntelMQ nor an IDF field name."))).ToArray();
        _toIds = options.MispToIdsFields.Select(Name).ToHashSet(StringComparer.Ordinal);
        _correlating = options.SignificantFields.Concat(options.MispAdditionalCorrelationFields).Select(Name).ToHashSet(StringComparer.Ordinal);
        _http = OutputHttp.Create(Program, options.MispVerify, "", options.HttpTimeoutSec);
        _http.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", options.MispKey.Reveal());
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    /// <summary>A field as IntelMQ names it, whichever name the option gave.</summary>
    static string Name(string field) => IntelMQFields.Path(field) is { } path ? IntelMQFields.Name(path) : field;

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        for (var i = 0; i < events.Count; i++)
        {
            try
            {
                if (await AddAsync(events[i], cancellationToken) is { } refused) results[i] = WriteResult.Refused(refused);
            }
            catch (TransientException ex) when (i > 0)
            {
                // The events before are in MISP: only this one and the rest are retried.
                for (var rest = i; rest < events.Count; rest++) results[rest] = WriteResult.Retry(ex.Message);
                return;
            }
        }
    }

    /// <summary>Adds the event (a sighting or a new MISP event); returns MISP's reason when it refused, null when done.</summary>
    async ValueTask<string?> AddAsync(Event ev, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        foreach (var (name, path) in _significant)
        {
            if (IntelMQFields.Text(ev, path) is not { } value) return $"{Program}: the event has no significant field {name}";
            values.Add(value);
        }
        var search = new JsonObject
        {
            ["returnFormat"] = "json", ["value"] = new JsonArray([.. values.Distinct(StringComparer.Ordinal).Select(v => (JsonNode)v)]),
            ["tags"] = new JsonArray(_options.MispTagForBot), ["includeEventTags"] = false,
        };
        var (status, found) = await PostAsync("attributes/restSearch", search, cancellationToken);
        if (status >= 400) return Refusal("the search for the significant values", status, found);
        if (Holding(found, values) is { } attributes)
        {
            foreach (var id in attributes)
            {
                var sighting = new JsonObject { ["source"] = ev["feed.name"] as string ?? "intelmq" };
                if (ev["@timestamp"] is string time && DateTimeOffset.TryParse(time, System.Globalization.CultureInfo.InvariantCulture, out var when))
                    sighting["timestamp"] = when.ToUnixTimeSeconds();
                var (sighted, answer) = await PostAsync($"sightings/add/{Uri.EscapeDataString(id)}", sighting, cancellationToken);
                if (sighted >= 400) return Refusal($"the sighting of attribute {id}", sighted, answer);
            }
            return null;
        }
        var (created, response) = await PostAsync("events/add", new JsonObject { ["Event"] = MispEvent(ev) }, cancellationToken);
        return created >= 400 || response?["Event"]?["id"] is null ? Refusal("the new event", created, response) : null;
    }

    /// <summary>The ids of the attributes of one MISP event that hold every significant value; null when no MISP event holds them all.</summary>
    static List<string>? Holding(JsonNode? found, List<string> values)
    {
        if (found?["response"]?["Attribute"] is not JsonArray attributes) return null;
        foreach (var misp in attributes.GroupBy(a => (string?)a?["event_id"] ?? ""))
        {
            var ids = new List<string>();
            foreach (var value in values.Distinct(StringComparer.Ordinal))
                if (misp.FirstOrDefault(a => (string?)a?["value"] == value)?["id"] is { } id) ids.Add(id.ToString());
            if (ids.Count == values.Distinct(StringComparer.Ordinal).Count()) return ids;
        }
        return null;
    }

    JsonObject MispEvent(Event ev)
    {
        var provider = ev["feed.provider"] as string;
        var feed = ev["feed.name"] as string;
        var tags = new JsonArray(new JsonObject { ["name"] = _options.MispTagForBot });
        if (_options.AddFeedProviderAsTag && provider is not null) tags.Add(new JsonObject { ["name"] = provider });
        if (_options.AddFeedNameAsTag && feed is not null) tags.Add(new JsonObject { ["name"] = feed });
        foreach (var tag in _options.MispAdditionalTags) tags.Add(new JsonObject { ["name"] = tag });
        var attributes = new JsonArray();
        foreach (var (path, value) in ev.Fields)
        {
            if (value is null || path == Event.IdField || path == Event.OriginalField) continue;
            var name = IntelMQFields.Name(path);
            var kind = MispAttributeTypes.Of(name);
            attributes.Add(new JsonObject
            {
                ["object_relation"] = name, ["type"] = kind.Type, ["category"] = kind.Category, ["value"] = IntelMQFields.Text(value),
                ["to_ids"] = _toIds.Contains(name), ["disable_correlation"] = !_correlating.Contains(name),
            });
        }
        return new JsonObject
        {
            ["info"] = $"{feed ?? "IntelMQ event"}{(provider is null ? "" : $" from {provider}")} via IntelMQ",
            ["analysis"] = "0", ["threat_level_id"] = "4", ["distribution"] = "0", ["published"] = _options.MispPublish,
            ["Tag"] = tags,
            ["Object"] = new JsonArray(new JsonObject { ["name"] = "intelmq_event", ["meta-category"] = "network", ["distribution"] = "5", ["Attribute"] = attributes }),
        };
    }

    static string Refusal(string what, int status, JsonNode? answer)
    {
        var message = (string?)answer?["message"] ?? (string?)answer?["name"] ?? answer?.ToJsonString() ?? "";
        var errors = answer?["errors"] is { } e ? " " + e.ToJsonString() : "";
        var text = $"{message}{errors}";
        return $"{Program}: MISP refused {what} ({status}): {(text.Length > 500 ? text[..500] + "..." : text)}";
    }

    /// <summary>POSTs JSON; returns the status and the answer for 2xx and for a refusal of this event (4xx); throws TransientException when MISP is unreachable, busy, broken or refuses the key.</summary>
    async ValueTask<(int Status, JsonNode? Answer)> PostAsync(string path, JsonObject body, CancellationToken cancellationToken)
    {
        var uri = new Uri(_base, path);
        try
        {
            using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await _http.PostAsync(uri, content, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (OutputHttp.IsTransient(response.StatusCode) || response.StatusCode == HttpStatusCode.Unauthorized)
                throw new TransientException($"{Program}: {uri}: {(int)response.StatusCode} {(text.Length > 300 ? text[..300] + "..." : text)}");
            JsonNode? answer;
            try
            {
                answer = text.Length == 0 ? null : JsonNode.Parse(text);
            }
            catch (System.Text.Json.JsonException)
            {
                // MISP answers HTML (a login page, a proxy's error) when the URL or key is wrong: nothing about the event.
                throw new TransientException($"{Program}: {uri} did not answer JSON ({(int)response.StatusCode}); is misp_url the MISP instance?");
            }
            // MISP answers 403 both to a key it refuses and to an event it cannot save; only the latter says what was wrong (errors, saved: false).
            if (response.StatusCode == HttpStatusCode.Forbidden && answer?["errors"] is null && answer?["saved"] is null)
                throw new TransientException($"{Program}: {uri}: 403 {(string?)answer?["message"] ?? (string?)answer?["name"] ?? text}");
            return ((int)response.StatusCode, answer);
        }
        catch (Exception ex) when (OutputHttp.IsUnreachable(ex, cancellationToken))
        {
            throw new TransientException($"{Program}: {uri}: {ex.Message}", ex);
        }
    }

    /// <summary>Asks MISP its version with the key: MISP is there and accepts the key.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri(_base, "servers/getVersion"), cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"{Program}: {_base} answers {(int)response.StatusCode} {response.ReasonPhrase} (is misp_key valid?)");
        }
        catch (Exception ex) when (OutputHttp.IsUnreachable(ex, cancellationToken))
        {
            throw new InvalidOperationException($"{Program}: {_base}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _http.Dispose();
}

using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Http;

namespace IntelMQ.Outputs.Elasticsearch;

/// <summary>Indexes events into Elasticsearch or OpenSearch with the _bulk API, one request per batch.</summary>
[Program("elasticsearch-output", ProgramKind.Output, "Indexes events into Elasticsearch or OpenSearch with one _bulk request per batch and a result per event.",
    Modules = ["intelmq.bots.outputs.elasticsearch.output"],
    Options = typeof(ElasticsearchOutputOptions),
    Description = """
        Sends each batch as one _bulk request of index actions: each document is the IDF event as it is (ECS field
        names as objects, so Kibana and Elastic Security read them without field mappings), its _id the event's id,
        so that a batch sent again after a lost answer overwrites instead of duplicating. Before the first batch the
        output puts a composable index template for elastic_index and elastic_index-* whose mappings type every
        field IntelMQ's harmonisation knows from the field catalogue (ip, ip_range, date, long, float, boolean,
        keyword, text); other fields, custom.* among them, are mapped dynamically. rotate_index names the index by
        the event's time as IntelMQ does. Each item of the answer is that event's result: 429 and 5xx are retried,
        any other error (a mapping conflict, a document Elasticsearch cannot parse) sends the event to the dump with
        Elasticsearch's reason. A connection error, a timeout and a 429 or 5xx answer to the whole request retry
        the batch; so do 401 and 403, which say the credentials are wrong, not the events.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run elasticsearch-output --set elastic_host=es.example.org --set rotate_index=monthly < events.jsonl",
        "intelmq run elasticsearch-output --set elastic_host=es.example.org --set use_ssl=true --set http_verify_cert=true --set http_username=intelmq --set http_password=secret < events.jsonl",
    ])]
public sealed class ElasticsearchOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "elasticsearch-output";
    static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    readonly HttpClient _http;
    readonly Uri _base;
    readonly string _index;
    readonly IndexRotation _rotation;
    readonly bool _putTemplate;
    readonly ArrayBufferWriter<byte> _body = new(1 << 16);
    readonly Utf8JsonWriter _json;
    bool _templatePut;

    public ElasticsearchOutput(ElasticsearchOutputOptions options, ProgramContext context)
    {
        if (options.ElasticIndex.Length == 0 || options.ElasticIndex != options.ElasticIndex.ToLowerInvariant() || options.ElasticIndex.IndexOfAny([' ', '"', '*', '\\', '<', '|', ',', '>', '/', '?', '#', ':']) >= 0)
            throw new ConfigurationException($"{Program}: option 'elastic_index' is '{options.ElasticIndex}'; an index name is lowercase, not empty, without spaces or any of \" * \\ < | , > / ? # :.");
        foreach (var field in options.FlattenFields)
            if (field is not ("extra" or "custom"))
                throw new ConfigurationException($"{Program}: option 'flatten_fields' names '{field}'; IDF documents carry every field as its own field already, and extra (custom) as an object of separate fields: leave flatten_fields at [\"extra\"].");
        if (options.ReplacementChar.Length > 0)
            throw new ConfigurationException($"{Program}: option 'replacement_char' is set; Elasticsearch 2.x is not supported: documents keep IDF's dotted field names as objects. Remove the option.");
        _base = new UriBuilder(options.UseSsl ? "https" : "http", options.ElasticHost, options.ElasticPort).Uri;
        _index = options.ElasticIndex;
        _rotation = options.RotateIndex;
        _putTemplate = options.IndexTemplate;
        _http = OutputHttp.Create(Program, options.HttpVerifyCert, options.SslCaCertificate, options.HttpTimeoutSec);
        if (!options.ApiKey.IsEmpty) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", options.ApiKey.Reveal());
        else if (options.HttpUsername.Length > 0) _http.DefaultRequestHeaders.Authorization = OutputHttp.Basic(options.HttpUsername, options.HttpPassword);
        _json = new Utf8JsonWriter(_body, WriterOptions);
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        if (_putTemplate && !_templatePut) await PutTemplateAsync(cancellationToken);
        _body.ResetWrittenCount();
        foreach (var ev in events) WriteAction(ev);
        using var answer = await SendAsync(HttpMethod.Post, "_bulk", new ReadOnlyMemoryContent(_body.WrittenMemory), "application/x-ndjson", cancellationToken);
        ReadItems(answer, results);
    }

    /// <summary>Asks the cluster who it is, and puts the index template; throws with the server's answer.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            (await SendAsync(HttpMethod.Get, "", null, null, cancellationToken)).Dispose();
            if (_putTemplate) await PutTemplateAsync(cancellationToken);
        }
        catch (TransientException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    void WriteAction(Event ev)
    {
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteStartObject("index");
        _json.WriteString("_index", IndexFor(ev));
        if (ev.Id is { } id) _json.WriteString("_id", id);
        _json.WriteEndObject();
        _json.WriteEndObject();
        _json.Flush();
        _body.Write("\n"u8);
        _json.Reset();
        EventJson.WriteIdf(_json, ev);
        _json.Flush();
        _body.Write("\n"u8);
    }

    string IndexFor(Event ev)
    {
        if (_rotation == IndexRotation.Never) return _index;
        var time = (ev["@timestamp"] ?? ev["event.created"]) as string;
        if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return _index;
        var day = t.UtcDateTime;
        return _rotation switch
        {
            IndexRotation.Daily => $"{_index}-{day:yyyy-MM-dd}",
            IndexRotation.Weekly => $"{_index}-{ISOWeek.GetYear(day)}-{ISOWeek.GetWeekOfYear(day):00}",
            IndexRotation.Monthly => $"{_index}-{day:yyyy-MM}",
            _ => $"{_index}-{day:yyyy}",
        };
    }

    /// <summary>Each item's status is its event's result; the items come in the order of the actions.</summary>
    static void ReadItems(JsonDocument answer, WriteResult[] results)
    {
        var root = answer.RootElement;
        if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.False) return;
        if (!root.TryGetProperty("items", out var items) || items.GetArrayLength() != results.Length)
            throw new TransientException($"{Program}: the _bulk answer does not have one item per event: {Shorten(root.GetRawText())}");
        var i = 0;
        foreach (var item in items.EnumerateArray())
        {
            var result = item.EnumerateObject().First().Value;
            var status = (HttpStatusCode)result.GetProperty("status").GetInt32();
            if ((int)status >= 300)
            {
                var reason = result.TryGetProperty("error", out var error) ? Reason(error) : status.ToString();
                results[i] = OutputHttp.IsTransient(status)
                    ? WriteResult.Retry($"{Program}: {(int)status} {reason}")
                    : WriteResult.Refused($"{Program}: {(int)status} {reason}");
            }
            i++;
        }
    }

    static string Reason(JsonElement error)
    {
        if (error.ValueKind != JsonValueKind.Object) return error.ToString();
        var text = $"{error.GetProperty("type").GetString()}: {(error.TryGetProperty("reason", out var r) ? r.GetString() : "")}";
        return error.TryGetProperty("caused_by", out var cause) && cause.ValueKind == JsonValueKind.Object ? $"{text} ({Reason(cause)})" : text;
    }

    async ValueTask PutTemplateAsync(CancellationToken cancellationToken)
    {
        var template = IndexTemplate.For(_index).ToJsonString();
        (await SendAsync(HttpMethod.Put, $"_index_template/{_index}", new StringContent(template), "application/json", cancellationToken)).Dispose();
        _templatePut = true;
    }

    /// <summary>Sends a request and reads its JSON answer; any failure of the request as a whole is transient.</summary>
    async ValueTask<JsonDocument> SendAsync(HttpMethod method, string path, HttpContent? content, string? contentType, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(_base, path)) { Content = content };
        if (content is not null) content.Headers.ContentType = new MediaTypeHeaderValue(contentType!);
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
                throw new TransientException($"{Program}: {method} {new Uri(_base, path)}: {(int)response.StatusCode} {Shorten(text)}");
            try
            {
                return JsonDocument.Parse(text);
            }
            catch (JsonException)
            {
                throw new TransientException($"{Program}: {method} {new Uri(_base, path)}: an answer that is not JSON: {Shorten(text)}");
            }
        }
        catch (Exception ex) when (OutputHttp.IsUnreachable(ex, cancellationToken))
        {
            throw new TransientException($"{Program}: {method} {new Uri(_base, path)}: {ex.Message}", ex);
        }
    }

    static string Shorten(string text) => text.Length > 500 ? text[..500] + "..." : text;

    public void Dispose()
    {
        _json.Dispose();
        _http.Dispose();
    }
}

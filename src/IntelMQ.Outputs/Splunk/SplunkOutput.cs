using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Http;

namespace IntelMQ.Outputs.Splunk;

/// <summary>Sends events to Splunk's HTTP Event Collector, one request per batch, optionally waiting for indexer acknowledgement.</summary>
[Program("splunk-output", ProgramKind.Output, "Sends events to Splunk's HTTP Event Collector, a batch per request, delivered once Splunk acknowledges them.",
    Options = typeof(SplunkOutputOptions),
    Description = """
        Posts each batch to /services/collector/event as one request of HEC event objects: "event" is the IDF event
        as it is (ECS field names), "time" its @timestamp (IntelMQ's time.source) or else event.created, with the
        configured index, sourcetype, source and host. Splunk answers a batch as a whole; when it refuses an event
        (invalid-event-number N) the events before N were indexed, event N goes to the dump with Splunk's reason
        and the events after it are sent again. With use_ack the request carries a channel and an event counts as
        delivered only when /services/collector/ack confirms its ackId; a batch not acknowledged within
        ack_timeout_sec is sent again (at least once). A connection error, a timeout, 429 and 5xx (server busy),
        and 401/403 (a wrong or disabled token) retry the batch.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run splunk-output --set hec_url=https://splunk.example.org:8088 --set token=00000000-0000-0000-0000-000000000000 --set index=intelmq < events.jsonl",
        "intelmq run splunk-output --set hec_url=https://splunk.example.org:8088 --set token=... --set use_ack=true < events.jsonl",
    ])]
public sealed class SplunkOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "splunk-output";

    readonly HttpClient _http;
    readonly Uri _events, _acks, _health;
    readonly string _index, _sourcetype, _source, _host;
    readonly bool _useAck;
    readonly TimeSpan _ackTimeout;
    readonly ArrayBufferWriter<byte> _body = new(1 << 16);
    readonly Utf8JsonWriter _json;

    public SplunkOutput(SplunkOutputOptions options, ProgramContext context)
    {
        if (!Uri.TryCreate(options.HecUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{Program}: option 'hec_url' is '{options.HecUrl}'; give the collector's base address, e.g. https://splunk.example.org:8088.");
        if (options.Token.IsEmpty) throw new ConfigurationException($"{Program}: option 'token' is empty; give the HEC token Splunk created for IntelMQ.");
        var root = url.AbsoluteUri.TrimEnd('/') + "/";
        (_events, _acks, _health) = (new Uri(root + "services/collector/event"), new Uri(root + "services/collector/ack"), new Uri(root + "services/collector/health"));
        (_index, _sourcetype, _source, _host) = (options.Index, options.Sourcetype, options.Source, options.Host);
        (_useAck, _ackTimeout) = (options.UseAck, TimeSpan.FromSeconds(options.AckTimeoutSec));
        _http = OutputHttp.Create(Program, options.HttpVerifyCert, options.SslCaCertificate, options.HttpTimeoutSec);
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Splunk", options.Token.Reveal());
        // One channel for the program's life: Splunk keeps the ackIds of a channel.
        if (_useAck) _http.DefaultRequestHeaders.Add("X-Splunk-Request-Channel", Guid.NewGuid().ToString());
        _json = new Utf8JsonWriter(_body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        _body.ResetWrittenCount();
        foreach (var ev in events) WriteEvent(ev);
        var (status, answer) = await SendAsync(_events, new ReadOnlyMemoryContent(_body.WrittenMemory), cancellationToken);
        using (answer)
        {
            var root = answer.RootElement;
            if (status == 400 && root.TryGetProperty("invalid-event-number", out var number) && number.TryGetInt32(out var bad) && bad >= 0 && bad < events.Count)
            {
                // Splunk indexed the events before the invalid one and stopped there.
                for (var i = 0; i < events.Count; i++)
                    if (i == bad) results[i] = WriteResult.Refused($"{Program}: {Text(root)}");
                    else if (i > bad || _useAck) results[i] = WriteResult.Retry($"{Program}: not indexed: event {bad} of its request was invalid");
                return;
            }
            if (status is < 200 or >= 300) throw new TransientException($"{Program}: {_events}: {status} {Text(root)}");
            if (_useAck)
            {
                if (!root.TryGetProperty("ackId", out var ackId) || !ackId.TryGetInt64(out var id))
                    throw new TransientException($"{Program}: use_ack is set but Splunk's answer has no ackId: enable indexer acknowledgement on the token.");
                if (!await AcknowledgedAsync(id, cancellationToken))
                    for (var i = 0; i < results.Length; i++) results[i] = WriteResult.Retry($"{Program}: not acknowledged within {_ackTimeout.TotalSeconds} s");
            }
        }
    }

    /// <summary>Asks the collector's health endpoint; throws with Splunk's answer.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var (status, answer) = await SendAsync(_health, null, cancellationToken);
            using (answer)
                if (status is < 200 or >= 300) throw new InvalidOperationException($"{Program}: {_health}: {status} {Text(answer.RootElement)}");
        }
        catch (TransientException ex)
        {
            throw new InvalidOperationException(ex.Message, ex);
        }
    }

    void WriteEvent(Event ev)
    {
        _json.Reset();
        _json.WriteStartObject();
        if ((ev["@timestamp"] ?? ev["event.created"]) is string time
            && DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
            _json.WriteNumber("time", t.ToUnixTimeMilliseconds() / 1000m);
        if (_index.Length > 0) _json.WriteString("index", _index);
        if (_sourcetype.Length > 0) _json.WriteString("sourcetype", _sourcetype);
        if (_source.Length > 0) _json.WriteString("source", _source);
        if (_host.Length > 0) _json.WriteString("host", _host);
        _json.WritePropertyName("event");
        EventJson.WriteIdf(_json, ev);
        _json.WriteEndObject();
        _json.Flush();
        _body.Write("\n"u8);
    }

    /// <summary>Polls /services/collector/ack until Splunk confirms the ackId or the timeout passes.</summary>
    async ValueTask<bool> AcknowledgedAsync(long id, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + _ackTimeout;
        var pause = TimeSpan.FromMilliseconds(100);
        var query = $$"""{"acks":[{{id}}]}""";
        while (true)
        {
            var (status, answer) = await SendAsync(_acks, new StringContent(query), cancellationToken);
            using (answer)
            {
                if (status is < 200 or >= 300) throw new TransientException($"{Program}: {_acks}: {status} {Text(answer.RootElement)}");
                if (answer.RootElement.TryGetProperty("acks", out var acks) && acks.TryGetProperty(id.ToString(CultureInfo.InvariantCulture), out var done) && done.ValueKind == JsonValueKind.True)
                    return true;
            }
            if (DateTime.UtcNow + pause > deadline) return false;
            await Task.Delay(pause, cancellationToken);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
        }
    }

    /// <summary>Sends a request; Splunk answers JSON ({"text", "code"}) also for errors. Transport failures and 429/5xx are transient.</summary>
    async ValueTask<(int Status, JsonDocument Answer)> SendAsync(Uri uri, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(content is null ? HttpMethod.Get : HttpMethod.Post, uri) { Content = content };
        if (content is not null) content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await _http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (OutputHttp.IsTransient(response.StatusCode)) throw new TransientException($"{Program}: {uri}: {(int)response.StatusCode} {Shorten(text)}");
            JsonDocument answer;
            try
            {
                answer = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
            }
            catch (JsonException)
            {
                throw new TransientException($"{Program}: {uri}: {(int)response.StatusCode}, an answer that is not JSON: {Shorten(text)}");
            }
            return ((int)response.StatusCode, answer);
        }
        catch (Exception ex) when (OutputHttp.IsUnreachable(ex, cancellationToken))
        {
            throw new TransientException($"{Program}: {uri}: {ex.Message}", ex);
        }
    }

    static string Text(JsonElement answer) =>
        answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("text", out var text)
            ? $"{text.GetString()} (code {(answer.TryGetProperty("code", out var code) ? code.ToString() : "?")})"
            : Shorten(answer.GetRawText());

    static string Shorten(string text) => text.Length > 500 ? text[..500] + "..." : text;

    public void Dispose()
    {
        _json.Dispose();
        _http.Dispose();
    }
}

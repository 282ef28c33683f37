using System.Net;
using System.Net.Http.Headers;
using System.Text;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Outputs.Http;
using IntelMQ.Outputs.Text;

namespace IntelMQ.Outputs.RestApi;

/// <summary>POSTs events to a REST endpoint or webhook: one request per event as IntelMQ does, or a JSON array per batch.</summary>
[Program("restapi-output", ProgramKind.Output, "POSTs events to a REST API or webhook, one per request or a batch as a JSON array; 429/503 retried, other 4xx dumped.",
    Modules = ["intelmq.bots.outputs.restapi.output"],
    Options = typeof(RestApiOutputOptions),
    Description = """
        Sends each event as IntelMQ's JSON (flat, or nested with hierarchical_output; without __type, raw only with
        keep_raw_field) in a POST to host, or as a form with use_json=false. With batch=true a batch is one POST of a
        JSON array. Authentication: http_basic_auth (auth_token_name is the user, auth_token the password) or
        http_header (a header named auth_token_name with the value auth_token). A 2xx answer counts as delivered; 429,
        408 and 5xx, a timeout or an unreachable server retry (after Retry-After when the server gives one); any other
        4xx refuses the event (a batch so refused is sent again one event per request, to find the bad one), which goes
        to the dump with the status and the server's answer.
        """,
    FieldsRead = ["*"],
    Examples = [
        "intelmq run restapi-output --set host=https://siem.example.org/api/events --set auth_type=http_header --set auth_token_name=X-Api-Key --set auth_token=... < events.jsonl",
        "intelmq run restapi-output --set host=https://hooks.example.org/intelmq --set batch=true < events.jsonl",
    ])]
public sealed class RestApiOutput : IOutput, IHealthCheck, IDisposable
{
    const string Program = "restapi-output";

    readonly RestApiOutputOptions _options;
    readonly Uri _uri;
    readonly HttpClient _http;

    public RestApiOutput(RestApiOutputOptions options)
    {
        _options = options;
        if (!Uri.TryCreate(options.Host, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new ConfigurationException($"{Program}: option 'host' is '{options.Host}'; give the URL to POST to, e.g. https://siem.example.org/api/events.");
        _uri = uri;
        if (options.Batch && !options.UseJson) throw new ConfigurationException($"{Program}: batch=true posts a JSON array; it needs use_json=true.");
        _http = OutputHttp.Create(Program, options.HttpVerifyCert, options.SslCaCertificate, options.HttpTimeoutSec);
        switch (options.AuthType.ToLowerInvariant())
        {
            case "http_basic_auth":
                _http.DefaultRequestHeaders.Authorization = OutputHttp.Basic(options.AuthTokenName, options.AuthToken);
                break;
            case "http_header":
                if (options.AuthTokenName.Length == 0) throw new ConfigurationException($"{Program}: auth_type http_header needs auth_token_name, the header's name (e.g. Authorization).");
                if (!_http.DefaultRequestHeaders.TryAddWithoutValidation(options.AuthTokenName, options.AuthToken.Reveal()))
                    throw new ConfigurationException($"{Program}: option 'auth_token_name': '{options.AuthTokenName}' cannot be a request header.");
                break;
            case "none" or "":
                break;
            default:
                throw new ConfigurationException($"{Program}: option 'auth_type' is '{options.AuthType}'; use http_basic_auth, http_header or none.");
        }
    }

    public async ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken)
    {
        if (_options.Batch)
        {
            var body = new StringBuilder("[");
            for (var i = 0; i < events.Count; i++) body.Append(i == 0 ? "" : ",").Append(Json(events[i]));
            var (status, answer) = await PostAsync(new StringContent(body.Append(']').ToString(), Encoding.UTF8, "application/json"), cancellationToken);
            if (status < 400) return;
            // The server refused the array without saying which event: the runtime sends the events again one by one.
            if (events.Count > 1) throw new InvalidDataException($"{Program}: {_uri}: {status} {answer}");
            results[0] = WriteResult.Refused($"{Program}: {_uri}: {status} {answer}");
            return;
        }
        for (var i = 0; i < events.Count; i++)
        {
            HttpContent content = _options.UseJson
                ? new StringContent(Json(events[i]), Encoding.UTF8, "application/json")
                : new FormUrlEncodedContent(Form(events[i]));
            int status;
            string answer;
            try
            {
                (status, answer) = await PostAsync(content, cancellationToken);
            }
            catch (TransientException ex) when (i > 0)
            {
                // The events before were delivered: only this one and the rest are retried.
                for (var rest = i; rest < events.Count; rest++) results[rest] = WriteResult.Retry(ex.Message);
                return;
            }
            if (status >= 400) results[i] = WriteResult.Refused($"{Program}: {_uri}: {status} {answer}");
        }
    }

    string Json(Event ev) => IntelMQFields.MessageText(ev, _options.HierarchicalOutput, withType: false, withRaw: _options.KeepRawField);

    IEnumerable<KeyValuePair<string, string>> Form(Event ev)
    {
        foreach (var (path, value) in ev.Fields)
        {
            if (value is null || path == Event.IdField || path == Event.OriginalField && !_options.KeepRawField) continue;
            var text = path == Event.OriginalField ? Convert.ToBase64String(Encoding.UTF8.GetBytes(IntelMQFields.Text(value))) : IntelMQFields.Text(value);
            yield return new(IntelMQFields.Name(path), text);
        }
    }

    /// <summary>POSTs; returns a status below 500 other than 408 and 429 with the answer, throws TransientException for the others and for transport failures.</summary>
    async ValueTask<(int Status, string Answer)> PostAsync(HttpContent content, CancellationToken cancellationToken)
    {
        try
        {
            using (content)
            using (var response = await _http.PostAsync(_uri, content, cancellationToken))
            {
                var answer = await response.Content.ReadAsStringAsync(cancellationToken);
                if (answer.Length > 500) answer = answer[..500] + "...";
                if (OutputHttp.IsTransient(response.StatusCode))
                    throw new TransientException($"{Program}: {_uri}: {(int)response.StatusCode} {answer}") { RetryAfter = RetryAfter(response.Headers.RetryAfter) };
                return ((int)response.StatusCode, answer);
            }
        }
        catch (Exception ex) when (OutputHttp.IsUnreachable(ex, cancellationToken))
        {
            throw new TransientException($"{Program}: {_uri}: {ex.Message}", ex);
        }
    }

    static TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>Sends HEAD to host: any answer means the server is there; no answer throws.</summary>
    public async ValueTask CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, _uri), cancellationToken);
            if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
                throw new InvalidOperationException($"{Program}: {_uri} answers {(int)response.StatusCode} {response.ReasonPhrase}");
        }
        catch (Exception ex) when (OutputHttp.IsUnreachable(ex, cancellationToken))
        {
            throw new InvalidOperationException($"{Program}: {_uri}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _http.Dispose();
}

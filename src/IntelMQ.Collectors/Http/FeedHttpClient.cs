using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Http;

/// <summary>
/// An HTTP client set up from IntelMQ's HTTP parameters (authentication, headers, proxies, TLS verification, client
/// certificate, timeouts) that says what kind of failure it met: a server that is down, busy (5xx, 429, with its
/// Retry-After) or silent is a <see cref="TransientException"/>; a refusal (404, 403) or a TLS failure is an
/// <see cref="IOException"/> that waits for the next run.
/// </summary>
public sealed class FeedHttpClient : IDisposable
{
    readonly HttpClient _client;
    readonly TimeProvider _clock;
    readonly int _tries;
    readonly int _hostConcurrency;
    readonly double _hostRate;

    /// <exception cref="ConfigurationException">A parameter that cannot work (a malformed header mapping, an unreadable certificate).</exception>
    public FeedHttpClient(HttpParameters parameters, string owner, TimeProvider clock)
    {
        _clock = clock;
        _tries = parameters.HttpTimeoutMaxTries;
        _hostConcurrency = parameters.HttpHostConcurrency;
        _hostRate = parameters.HttpHostRate;
        (ConnectTimeout, ReadTimeout) = Timeouts(parameters.HttpTimeoutSec, owner);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (parameters.HttpProxy is { Length: > 0 } || parameters.HttpsProxy is { Length: > 0 })
        {
            handler.Proxy = new SchemeProxy(ProxyUri(parameters.HttpProxy, "http_proxy", owner), ProxyUri(parameters.HttpsProxy, "https_proxy", owner));
            handler.UseProxy = true;
        }
        handler.SslOptions.RemoteCertificateValidationCallback = CertificateTrust.Callback(parameters.HttpVerifyCert, "http_verify_cert", owner);
        if (parameters.SslClientCertificate is { Length: > 0 } certificate)
            handler.SslOptions.ClientCertificates = [ClientCertificate(certificate, parameters.SslClientCertificateKey, owner)];
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        // Taken as written, as IntelMQ sends it: not every user agent an operator writes is RFC 9110's grammar.
        if (!_client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", parameters.HttpUserAgent))
            throw new ConfigurationException($"{owner}: http_user_agent '{parameters.HttpUserAgent}' cannot be sent as a header.");
        if (parameters.HttpUsername is { Length: > 0 } user)
            _client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{parameters.HttpPassword?.Reveal()}")));
        foreach (var (name, value) in Headers(parameters.HttpHeader, owner))
            if (!_client.DefaultRequestHeaders.TryAddWithoutValidation(name, value))
                throw new ConfigurationException($"{owner}: http_header '{name}' cannot be set on a request.");
    }

    public TimeSpan ConnectTimeout { get; }

    /// <summary>The longest wait for the response's headers after connecting, and for each read of its body.</summary>
    public TimeSpan ReadTimeout { get; }

    /// <summary>
    /// Sends a request (made anew for each try) and returns its response once the headers arrived: a success or
    /// 304 Not Modified. A request that times out is tried again up to http_timeout_max_tries times. Each waits for
    /// its host's turn (http_host_concurrency, http_host_rate, shared by every client of the process), held until
    /// its body is read or the response disposed.
    /// </summary>
    /// <exception cref="TransientException">No answer, no connection, or a 5xx, 408 or 429 (with the server's Retry-After); or a host whose Retry-After runs still.</exception>
    /// <exception cref="IOException">Any other status, or a TLS failure: retried with the next scheduled run.</exception>
    public async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var message = request();
            var what = $"{message.Method} {Redacted(message.RequestUri)}";
            var gate = HostGate.For(message.RequestUri!, _hostConcurrency, _hostRate);
            var turn = await gate.EnterAsync(_clock, cancellationToken);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout + ReadTimeout);
            HttpResponseMessage response;
            try
            {
                response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                turn.Dispose();
                if (attempt < _tries) continue;
                throw new TransientException($"{what}: no answer within {(ConnectTimeout + ReadTimeout).TotalSeconds:0.#} s ({attempt} tries)");
            }
            catch (HttpRequestException ex) when (ex.InnerException is AuthenticationException)
            {
                turn.Dispose();
                throw new IOException($"{what}: TLS failed: {ex.InnerException.Message} (see http_verify_cert and ssl_client_certificate)", ex);
            }
            catch (HttpRequestException ex)
            {
                turn.Dispose();
                throw new TransientException($"{what}: {ex.Message}", ex);
            }
            catch
            {
                turn.Dispose();
                throw;
            }
            response.Content = new TurnContent(response.Content, turn);
            return Checked(response, what, gate);
        }
    }

    HttpResponseMessage Checked(HttpResponseMessage response, string what, HostGate gate)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.NotModified) return response;
        var retryAfter = RetryAfter(response.Headers.RetryAfter);
        response.Dispose();
        var answer = $"{what}: {status} {response.ReasonPhrase}";
        if (status is 408 or 425 or 429 or >= 500)
        {
            // Every collector of the process waits for it, not only this one.
            if (retryAfter is { } wait) gate.Quiet(_clock.GetUtcNow() + wait);
            throw new TransientException(answer + (retryAfter is { } after ? $"; the server asks to wait {after.TotalSeconds:0} s" : ""))
            { RetryAfter = retryAfter };
        }
        throw new IOException(answer);
    }

    TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date > _clock.GetUtcNow() ? date - _clock.GetUtcNow() : TimeSpan.Zero,
        _ => null,
    };

    /// <summary>An API's JSON answer, read whole with the read timeout (answers are lists and objects, not feeds).</summary>
    /// <exception cref="IOException">The answer is not JSON; the message names the URL.</exception>
    public async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ParseJson(response, await ReadAllAsync(response, cancellationToken), body => JsonDocument.Parse(body));

    /// <inheritdoc cref="ReadJsonAsync"/>
    public async Task<JsonNode?> ReadJsonNodeAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        ParseJson(response, await ReadAllAsync(response, cancellationToken), body => JsonNode.Parse(body.Span));

    async Task<ReadOnlyMemory<byte>> ReadAllAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        await CopyBodyAsync(response, body, null, cancellationToken);
        return body.GetBuffer().AsMemory(0, (int)body.Length);
    }

    static T ParseJson<T>(HttpResponseMessage response, ReadOnlyMemory<byte> body, Func<ReadOnlyMemory<byte>, T> parse)
    {
        try
        {
            return parse(body);
        }
        catch (JsonException ex)
        {
            throw new IOException($"{Redacted(response.RequestMessage?.RequestUri)}: the answer is not JSON: {ex.Message}", ex);
        }
    }

    /// <summary>An answer's text for an error message, cut to 300 characters.</summary>
    public static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    /// <summary>Copies a response body into <paramref name="target"/>, failing when a read waits longer than the read timeout.</summary>
    /// <exception cref="TransientException">The server stopped sending, or the connection broke.</exception>
    public async Task CopyBodyAsync(HttpResponseMessage response, Stream target, IncrementalHash? hash, CancellationToken cancellationToken)
    {
        var what = $"{response.RequestMessage?.Method} {Redacted(response.RequestMessage?.RequestUri)}";
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[1 << 16];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                timeout.CancelAfter(ReadTimeout);
                var n = await body.ReadAsync(buffer, timeout.Token);
                if (n == 0)
                {
                    (response.Content as TurnContent)?.Done();
                    return;
                }
                hash?.AppendData(buffer, 0, n);
                await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientException($"{what}: the server sent nothing for {ReadTimeout.TotalSeconds:0.#} s in the middle of the body");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new TransientException($"{what}: the body broke off: {ex.Message}", ex);
        }
    }

    /// <summary>Reads one line of a streamed body, failing when nothing comes within the read timeout.</summary>
    /// <returns>The line without its end, or null at the end of the body.</returns>
    public async Task<string?> ReadLineAsync(StreamReader body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadTimeout);
        try
        {
            return await body.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TransientException($"the stream sent nothing for {ReadTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new TransientException($"the stream broke off: {ex.Message}", ex);
        }
    }

    /// <summary>A URL as it may be logged: without user name and password.</summary>
    public static string Redacted(Uri? uri) =>
        uri is null ? "" : uri.UserInfo.Length == 0 ? uri.ToString() : new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString();

    static (TimeSpan Connect, TimeSpan Read) Timeouts(string text, string owner)
    {
        var parts = text.Trim('[', ']', '(', ')').Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var seconds = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0 && s < 86400 ? s : -1).ToArray();
        if (seconds.Length is not (1 or 2) || seconds.Any(s => s < 0))
            throw new ConfigurationException($"{owner}: http_timeout_sec '{text}' must be a number of seconds above 0, or two (connect, read), e.g. 30 or 5,60.");
        return (TimeSpan.FromSeconds(seconds[0]), TimeSpan.FromSeconds(seconds[^1]));
    }

    static Uri? ProxyUri(string? text, string option, string owner) =>
        text is not { Length: > 0 } ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" or "socks5" or "socks4" ? uri
        : throw new ConfigurationException($"{owner}: {option} '{text}' is not a proxy URL such as http://proxy.example:3128.");

    internal static X509Certificate2 ClientCertificate(string path, string? keyPath, string owner)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(path, keyPath is { Length: > 0 } ? keyPath : null);
            // A PEM key is ephemeral; TLS needs one it can hand to the platform, which a PKCS#12 round trip gives.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ConfigurationException($"{owner}: ssl_client_certificate '{path}': cannot read a PEM certificate with its private key: {ex.Message}");
        }
    }

    static IEnumerable<(string Name, string Value)> Headers(Secret? header, string owner)
    {
        if (header is null || header.IsEmpty) return [];
        try
        {
            using var json = JsonDocument.Parse(header.Reveal());
            if (json.RootElement.ValueKind == JsonValueKind.Object)
                return json.RootElement.EnumerateObject()
                    .Select(p => (p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())).ToList();
        }
        catch (JsonException)
        {
        }
        throw new ConfigurationException($"{owner}: http_header must be a mapping of header names to values, e.g. --set http_header='{{\"Authorization\": \"Token KEY\"}}'.");
    }

    public void Dispose() => _client.Dispose();

    /// <summary>http_proxy for http:// URLs, https_proxy for https:// ones; a scheme without one goes direct.</summary>
    sealed class SchemeProxy(Uri? http, Uri? https) : IWebProxy
    {
        public ICredentials? Credentials { get; set; }

        public Uri? GetProxy(Uri destination) => destination.Scheme == Uri.UriSchemeHttps ? https : http;

        public bool IsBypassed(Uri host) => GetProxy(host) is null;
    }
}

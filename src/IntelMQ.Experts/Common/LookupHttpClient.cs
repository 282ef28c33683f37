using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using IntelMQ.Experts.Rfc1918;

namespace IntelMQ.Experts.Common;

/// <summary>
/// The HTTP client of the experts that ask web services or check URLs: each request bounded by its timeout, at most
/// so many connections to one server, bodies read up to <see cref="MaxBody"/>, no proxy, and, unless allowed, no
/// connection to a private or reserved address (a URL taken from an event must not reach the operator's own network;
/// checked on every connection, redirects included).
/// </summary>
sealed class LookupHttpClient : IDisposable
{
    public const int MaxBody = 4 << 20;

    readonly HttpClient _client;
    readonly TimeSpan _timeout;
    readonly bool _allowPrivateAddresses;

    public LookupHttpClient(double timeoutSeconds, int connectionsPerServer, bool allowPrivateAddresses, string userAgent, bool verifyCertificate = true)
    {
        _timeout = TimeSpan.FromSeconds(timeoutSeconds);
        _allowPrivateAddresses = allowPrivateAddresses;
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connectionsPerServer,
            ConnectTimeout = _timeout,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.All,
            MaxAutomaticRedirections = 10,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
        };
        if (!verifyCertificate) handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", userAgent);
    }

    /// <summary>Gets a URL; any status is an answer.</summary>
    /// <exception cref="LookupFailure">No answer within the timeout, no connection, or a private address refused.</exception>
    public async Task<LookupResponse> GetAsync(Uri url, AuthenticationHeaderValue? authorization = null, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Authorization = authorization;
        if (accept is not null) request.Headers.Accept.ParseAdd(accept);
        using var timeout = new CancellationTokenSource(_timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            var buffer = new MemoryStream();
            var chunk = new byte[16384];
            int read;
            while (buffer.Length < MaxBody && (read = await body.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, MaxBody - buffer.Length)), timeout.Token)) > 0)
                buffer.Write(chunk, 0, read);
            return new LookupResponse((int)response.StatusCode, buffer.ToArray(), response.Content.Headers.ContentType?.CharSet);
        }
        catch (OperationCanceledException ex)
        {
            throw new LookupFailure($"no answer from {url.Authority} within {_timeout.TotalSeconds:0.###} s", ex);
        }
        catch (HttpRequestException ex)
        {
            for (Exception? inner = ex; inner is not null; inner = inner.InnerException)
            {
                if (inner is PrivateAddressRefused refused) throw new LookupFailure(refused.Message, ex);
                if (inner is SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.ConnectionRefused } socket)
                    throw new LookupFailure($"{url.Authority}: {socket.Message}", ex, unreachable: true);
            }
            throw new LookupFailure($"{url.Authority}: {ex.Message}", ex);
        }
        catch (IOException ex)
        {
            throw new LookupFailure($"{url.Authority}: the answer broke off: {ex.Message}", ex);
        }
    }

    async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (!_allowPrivateAddresses)
        {
            addresses = Array.FindAll(addresses, a => !ReservedRanges.IsReserved(a));
            if (addresses.Length == 0)
                throw new PrivateAddressRefused($"{host} is a private or reserved address, not asked (allow_private_addresses is false)");
        }
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose() => _client.Dispose();

    sealed class PrivateAddressRefused(string message) : IOException(message);
}

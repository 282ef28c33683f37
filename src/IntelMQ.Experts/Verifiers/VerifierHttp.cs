using System.Net;
using System.Net.Security;
using System.Net.Sockets;

namespace IntelMQ.Experts.Verifiers;

/// <summary>The HTTP client of the verifiers: few redirects, bounded headers, no timeout of its own (each check's deadline is).</summary>
static class VerifierHttp
{
    const int MaxRedirects = 5;

    /// <param name="resolve">Finds a host's address (the verifier's own name servers); null means the system's resolver.</param>
    public static HttpClient Create(VerifierOptions options, Func<string, CancellationToken, Task<IPAddress?>>? resolve = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(options.Timeout),
            AllowAutoRedirect = true,
            MaxAutomaticRedirections = MaxRedirects,
            AutomaticDecompression = DecompressionMethods.All,
            MaxResponseHeadersLength = 64, // kilobytes
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            UseCookies = false,
        };
        if (resolve is not null) handler.ConnectCallback = (context, token) => ConnectAsync(context.DnsEndPoint, resolve, token);
        if (!options.HttpVerifyCert)
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = static (_, _, _, _) => true };
        var client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", options.HttpUserAgent);
        return client;
    }

    static async ValueTask<Stream> ConnectAsync(DnsEndPoint endpoint, Func<string, CancellationToken, Task<IPAddress?>> resolve, CancellationToken cancellationToken)
    {
        var address = IPAddress.TryParse(endpoint.Host, out var literal) ? literal
            : await resolve(endpoint.Host, cancellationToken) ?? throw new HttpRequestException($"{endpoint.Host} has no address");
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads at most <paramref name="limit"/> bytes of the body.</summary>
    /// <returns>The bytes read, and whether the body went on beyond them.</returns>
    public static async Task<(byte[] Body, bool Truncated)> ReadCappedAsync(HttpResponseMessage response, int limit, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[Math.Min(limit, 81_920) + 1];
        using var body = new MemoryStream();
        while (body.Length <= limit)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit + 1 - body.Length)), cancellationToken);
            if (read == 0) break;
            body.Write(buffer, 0, read);
        }
        var truncated = body.Length > limit;
        return (truncated ? body.GetBuffer()[..limit] : body.ToArray(), truncated);
    }

    /// <summary>A failed request in a few words: the innermost cause (connection refused, name not found, certificate).</summary>
    public static string Describe(HttpRequestException ex)
    {
        Exception inner = ex;
        while (inner.InnerException is { } next) inner = next;
        return inner.Message;
    }
}

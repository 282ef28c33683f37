using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IntelMQ.Contract;

namespace IntelMQ.Outputs.Http;

/// <summary>The HTTP client and error classes the HTTP outputs (Elasticsearch, Splunk) share.</summary>
internal static class OutputHttp
{
    /// <param name="verify">Check the server's certificate against the system's roots, or against <paramref name="caFile"/> when given.</param>
    public static HttpClient Create(string program, bool verify, string caFile, double timeoutSeconds)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5), AutomaticDecompression = DecompressionMethods.All };
        if (!verify) handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        else if (caFile.Length > 0)
        {
            X509Certificate2Collection roots;
            try
            {
                roots = LoadPem(caFile);
            }
            catch (Exception ex) when (ex is IOException or System.Security.Cryptography.CryptographicException)
            {
                throw new ConfigurationException($"{program}: cannot read the CA certificate '{caFile}': {ex.Message}");
            }
            if (roots.Count == 0) throw new ConfigurationException($"{program}: no certificate in '{caFile}'; give a PEM file holding the CA that signed the server's certificate.");
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            {
                if (certificate is null) return false;
                if (errors == SslPolicyErrors.None) return true;
                if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable)) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(new X509Certificate2(certificate));
            };
        }
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(timeoutSeconds) };
    }

    static X509Certificate2Collection LoadPem(string path)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPemFile(path);
        return collection;
    }

    public static AuthenticationHeaderValue Basic(string user, Secret password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password.Reveal()}")));

    /// <summary>The server is unreachable or timed out: nothing about the events.</summary>
    public static bool IsUnreachable(Exception ex, CancellationToken cancellationToken) =>
        ex is HttpRequestException or IOException or SocketException || ex is TaskCanceledException && !cancellationToken.IsCancellationRequested;

    /// <summary>A status that says the server is busy or broken (429, 5xx), not that the request is wrong.</summary>
    public static bool IsTransient(HttpStatusCode status) => status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;
}

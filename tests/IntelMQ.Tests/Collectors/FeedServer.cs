using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;

namespace IntelMQ.Tests.Collectors;

/// <summary>A Kestrel server on 127.0.0.1 (a free port) answering as the test says; it records every request's path and headers.</summary>
public sealed class FeedServer : IAsyncDisposable
{
    readonly WebApplication _app;

    FeedServer(WebApplication app, Uri root)
    {
        _app = app;
        Root = root;
    }

    public Uri Root { get; }

    /// <summary>Each request as it came: "GET /path" and a copy of its headers.</summary>
    public ConcurrentQueue<(string Request, Dictionary<string, string> Headers)> Requests { get; } = new();

    public string Url(string pathAndQuery) => new Uri(Root, pathAndQuery).ToString();

    /// <summary>
    /// The URL by the name localhost: the per-host limits and a Retry-After hold for the whole process by scheme, host
    /// and port, so a test whose server says Retry-After names it apart from the 127.0.0.1 of the other tests, one of
    /// which may get the same port later.
    /// </summary>
    public string LocalhostUrl(string pathAndQuery) => new UriBuilder(new Uri(Root, pathAndQuery)) { Host = "localhost" }.Uri.ToString();

    /// <param name="certificate">Serve HTTPS with this certificate (with its private key).</param>
    /// <param name="clientCertificate">With HTTPS: require a client certificate, accepted when this returns true.</param>
    public static async Task<FeedServer> StartAsync(Func<HttpContext, Task> answer, X509Certificate2? certificate = null,
                                                    Func<X509Certificate2, bool>? clientCertificate = null)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "feed-server" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is null) return;
            listen.UseHttps(https =>
            {
                https.ServerCertificate = certificate;
                if (clientCertificate is null) return;
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (client, _, _) => clientCertificate(client);
            });
        }));
        var app = builder.Build();
        FeedServer? server = null;
        app.Run(async context =>
        {
            // Kestrel reuses a request's header collection once it is answered: keep a copy.
            server!.Requests.Enqueue(($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase)));
            await answer(context);
        });
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server = new FeedServer(app, new Uri($"{(certificate is null ? "http" : "https")}://127.0.0.1:{bound.Port}/"));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IntelMQ.Tests.Outputs;

/// <summary>
/// Kestrel on 127.0.0.1 and a free port, answering every request with a handler the test gives: a stand-in for a
/// server that cannot be installed here (Elasticsearch, Splunk), answering as its documented API does.
/// </summary>
public sealed class LocalHttpServer : IAsyncDisposable
{
    readonly WebApplication _app;

    LocalHttpServer(WebApplication app, Uri address) => (_app, Address) = (app, address);

    public Uri Address { get; }

    /// <summary>Every request received: method, path and query, headers, body.</summary>
    public ConcurrentQueue<Received> Requests { get; } = new();

    public static async Task<LocalHttpServer> StartAsync(Func<Received, HttpResponse, Task> answer)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "intelmq-tests" });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        LocalHttpServer? server = null;
        app.Run(async context =>
        {
            using var body = new StreamReader(context.Request.Body);
            var received = new Received(context.Request.Method, context.Request.Path + context.Request.QueryString,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), await body.ReadToEndAsync());
            server!.Requests.Enqueue(received);
            await answer(received, context.Response);
        });
        await app.StartAsync();
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        server = new LocalHttpServer(app, bound);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Received(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body);
}

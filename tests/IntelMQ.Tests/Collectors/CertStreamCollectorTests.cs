using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Collectors.Calidog;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IntelMQ.Tests.Collectors;

/// <summary>The CertStream collector against a Kestrel websocket endpoint sending as certstream-server does: certificate updates and heartbeats, one JSON object per message.</summary>
public sealed class CertStreamCollectorTests : IDisposable
{
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static string Update(string domain) => new JsonObject
    {
        ["message_type"] = "certificate_update",
        ["data"] = new JsonObject
        {
            ["update_type"] = "X509LogEntry", ["cert_index"] = 34398955, ["seen"] = 1541030505.0,
            ["leaf_cert"] = new JsonObject { ["all_domains"] = new JsonArray(domain), ["not_after"] = 1548806505, ["not_before"] = 1541030505 },
            ["source"] = new JsonObject { ["name"] = "DigiCert Yeti2018 Log", ["url"] = "yeti2018.ct.digicert.com/log/" },
        },
    }.ToJsonString();

    /// <summary>Sends the messages (each split into two frames, as a long message may be) and closes.</summary>
    static async Task<WebApplication> StartAsync(params string[] messages)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "certstream" });
        builder.Services.AddLogging().AddOptions();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (!context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = 400;
                return;
            }
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            foreach (var message in messages)
            {
                var bytes = Encoding.UTF8.GetBytes(message);
                var half = bytes.Length / 2;
                await socket.SendAsync(bytes.AsMemory(0, half), WebSocketMessageType.Text, false, default);
                await socket.SendAsync(bytes.AsMemory(half), WebSocketMessageType.Text, true, default);
            }
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", default);
        });
        await app.StartAsync();
        return app;
    }

    static string Url(WebApplication app) =>
        "ws://127.0.0.1:" + new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port + "/";

    [Fact]
    public async Task Every_certificate_update_becomes_a_report_and_heartbeats_are_skipped()
    {
        await using var app = await StartAsync(Update("example.com"), """{"message_type": "heartbeat", "timestamp": 1541030506.0}""", "not json", Update("example.org"));

        var summary = await _run.CollectAsync("intelmq.bots.collectors.calidog.collector_certstream", new CertStreamCollectorOptions { Url = Url(app) }, Token);

        Assert.Equal(2, summary.Events);
        var reports = _run.Reports();
        Assert.Equal(["example.com", "example.org"], reports.Select(r => (string?)JsonNode.Parse((string)r["event.original"]!)!["data"]!["leaf_cert"]!["all_domains"]![0]));
        Assert.All(reports, r => Assert.Equal(Url(app), r["feed.url"]));
    }

    [Fact]
    public async Task A_stream_that_cannot_be_opened_is_a_transient_failure()
    {
        await using var app = await StartAsync();
        var url = Url(app);
        await app.StopAsync(Token);
        var collector = new CertStreamCollector(new CertStreamCollectorOptions { Url = url, TimeoutSec = 5 }, ProgramContext.Default);

        await Assert.ThrowsAsync<TransientException>(async () =>
        {
            await foreach (var report in collector.CollectAsync(new NoState(), Token)) await report.DisposeAsync();
        });
    }

    sealed class NoState : ICollectorState
    {
        public string? Get(string key) => null;
    }
}

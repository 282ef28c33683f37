using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The live-stream collectors (Shodan, CertStream) keep no state: a stream cannot be replayed. SIGKILLed while a
/// message cannot be handed on (their Redis output gone), they lose that message, and once started again they
/// connect again and hand on what the stream sends then, once.
/// </summary>
public sealed class StreamCollectorCrashTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    readonly LiveStream _stream = new();

    public void Dispose() => _intelmq.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Sends "1" (handed on), then "2" (in flight at the kill), and "3" once the restarted collector connected: what arrives after the restart.</summary>
    async Task<List<string>> CrashAsync(string[] collector, Func<string, string> message)
    {
        using var crash = new CollectorCrash(_intelmq, collector);
        try
        {
            await crash.StartAsync(async () =>
            {
                await Eventually.WaitForAsync("the collector's connection", () => _stream.Connections == 1, Token);
                _stream.Send(message("1"));
            }, Token);
            await crash.KillWhileHandingOnAsync(() =>
            {
                _stream.Send(message("2"));
                return Task.CompletedTask;
            }, Token);
            await Eventually.WaitForAsync("the restarted collector's connection", () => _stream.Connections == 2, Token);
            _stream.Send(message("3"));
            return await crash.ReportsAsync(1, Token);
        }
        finally
        {
            _stream.Close();
        }
    }

    [Fact]
    public async Task Shodan_stream_collector_killed_while_handing_on_a_banner_connects_again_after_its_restart()
    {
        await using var server = await FeedServer.StartAsync(async context =>
        {
            var lines = _stream.Connect();
            context.Response.ContentType = "application/json";
            await context.Response.Body.FlushAsync(context.RequestAborted);
            try
            {
                await foreach (var line in lines.ReadAllAsync(context.RequestAborted))
                {
                    await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                    await context.Response.Body.FlushAsync(context.RequestAborted);
                }
            }
            catch (OperationCanceledException)
            {
                // The collector went away.
            }
        });

        var reports = await CrashAsync(["run", "shodan-stream-collector", "--set", "api_key=k", "--set", $"api_url={server.Url("")}"],
            n => $$"""{"ip_str": "192.0.2.{{n}}", "port": 22}""");

        Assert.Equal(["""{"ip_str": "192.0.2.3", "port": 22}"""], reports.Select(QueueReports.Body));
    }

    [Fact]
    public async Task Certstream_collector_killed_while_handing_on_an_update_connects_again_after_its_restart()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "certstream" });
        builder.Services.AddLogging().AddOptions();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(o => o.Listen(IPAddress.Loopback, 0));
        await using var app = builder.Build();
        app.UseWebSockets();
        app.Run(async context =>
        {
            var messages = _stream.Connect();
            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            try
            {
                await foreach (var message in messages.ReadAllAsync(context.RequestAborted))
                    await socket.SendAsync(Encoding.UTF8.GetBytes(message), WebSocketMessageType.Text, true, context.RequestAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
                // The collector went away.
            }
        });
        await app.StartAsync(Token);
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;

        var reports = await CrashAsync(["run", "certstream-collector", "--set", $"url=ws://127.0.0.1:{port}/"], n => new JsonObject
        {
            ["message_type"] = "certificate_update",
            ["data"] = new JsonObject { ["leaf_cert"] = new JsonObject { ["all_domains"] = new JsonArray($"host{n}.example") } },
        }.ToJsonString());

        Assert.Equal(["host3.example"], reports.Select(r => (string?)JsonNode.Parse(QueueReports.Body(r))!["data"]!["leaf_cert"]!["all_domains"]![0]));
    }

    /// <summary>The stream's connections, each fed what the test sends while it is the newest.</summary>
    sealed class LiveStream
    {
        readonly List<Channel<string>> _connections = [];

        public int Connections
        {
            get { lock (_connections) return _connections.Count; }
        }

        public ChannelReader<string> Connect()
        {
            var connection = Channel.CreateUnbounded<string>();
            lock (_connections) _connections.Add(connection);
            return connection.Reader;
        }

        public void Send(string message)
        {
            lock (_connections) _connections[^1].Writer.TryWrite(message);
        }

        /// <summary>Ends every connection's stream, so that the servers can stop.</summary>
        public void Close()
        {
            lock (_connections)
                foreach (var connection in _connections) connection.Writer.TryComplete();
        }
    }
}

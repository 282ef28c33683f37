using System.Globalization;
using System.Net.Sockets;
using System.Text;
using IntelMQ.Cli;
using IntelMQ.Collectors.Stomp;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>The STOMP collector against a STOMP broker in the test (TLS with a client certificate); StompBrokerTests run it against RabbitMQ.</summary>
public sealed class StompCollectorTests : IDisposable
{
    const string Exchange = "/exchange/test.example/*.*.*.*";
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-stomp-").FullName;
    readonly TestCertificates _certificates;

    public StompCollectorTests() => _certificates = new TestCertificates(_dir);

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    internal sealed class NoState : ICollectorState
    {
        public string? Get(string key) => null;
    }

    StompCollectorOptions Tls(StompServer server) => new()
    {
        Server = "127.0.0.1", Port = server.Port, Exchange = Exchange, Heartbeat = 0,
        SslCaCertificate = _certificates.AuthorityPem, SslClientCertificate = _certificates.ClientPem,
    };

    internal static string Text(CollectedReport report)
    {
        using var reader = new StreamReader(report.Body, leaveOpen: true);
        return reader.ReadToEnd();
    }

    [Fact]
    public async Task A_message_is_acknowledged_only_once_it_is_handed_on()
    {
        await using var server = new StompServer(_certificates.Server);
        server.Publish("{\"n\": 1}");
        server.Publish("{\"n\": 2}");
        var collector = new StompCollector(Tls(server), ProgramContext.Default);
        var reports = collector.CollectAsync(new NoState(), Token).GetAsyncEnumerator(Token);
        try
        {
            Assert.True(await reports.MoveNextAsync());
            var first = reports.Current;
            Assert.Equal("{\"n\": 1}", Text(first));
            Assert.Equal($"stomp+ssl://127.0.0.1:{server.Port}{Exchange}", first.Report["feed.url"]);
            Assert.Empty(server.Acked);

            await first.Commit!(Token);
            await Eventually.WaitForAsync("the ACK of the first message", () => server.Acked.Count == 1, Token);
            Assert.True(await reports.MoveNextAsync());
            Assert.Equal("{\"n\": 2}", Text(reports.Current));
        }
        finally
        {
            await reports.DisposeAsync();
        }
        Assert.Equal(["m1"], server.Acked);
        var subscription = Assert.Single(server.Subscriptions);
        Assert.Equal(("client-individual", Exchange), (subscription["ack"], subscription["destination"]));
    }

    [Fact]
    public async Task A_message_not_acknowledged_comes_again_on_the_next_connection()
    {
        await using var server = new StompServer(_certificates.Server);
        server.Publish("{\"n\": 1}");
        var collector = new StompCollector(Tls(server), ProgramContext.Default);

        await using (var reports = collector.CollectAsync(new NoState(), Token).GetAsyncEnumerator(Token))
            Assert.True(await reports.MoveNextAsync());
        await using (var reports = collector.CollectAsync(new NoState(), Token).GetAsyncEnumerator(Token))
        {
            Assert.True(await reports.MoveNextAsync());
            Assert.Equal("{\"n\": 1}", Text(reports.Current));
            await reports.Current.Commit!(Token);
            await Eventually.WaitForAsync("the ACK", () => server.Acked.Count == 1, Token);
        }

        Assert.Equal(2, server.Delivered);
    }

    [Fact]
    public async Task A_daemon_hands_on_every_message_before_acknowledging_it()
    {
        await using var server = new StompServer(_certificates.Server);
        for (var i = 1; i <= 3; i++) server.Publish($"{{\"n\": {i}}}");
        var output = Path.Combine(_dir, "reports.jsonl");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var host = new CollectorHost(new CollectorHostOptions
        {
            Program = Programs.Catalog.Resolve("intelmq.bots.collectors.n6.collector_stomp"),
            Options = Tls(server),
            Context = new ProgramContext { Id = "n6" },
            Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{output}"] },
            DumpPath = Path.Combine(_dir, "dump.jsonl"),
            StatePath = Path.Combine(_dir, "state", "n6.json"),
            Schedule = CollectorSchedule.Every(TimeSpan.FromSeconds(1)),
            Backoff = new Backoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)),
        }, ChannelCatalog.WithBuiltIns(), new ChannelContext("n6", 0, TextWriter.Null));
        await using (host)
        {
            var running = host.RunAsync(stop.Token, Token);
            await Eventually.WaitForAsync("three ACKs", () => server.Acked.Count == 3, Token);
            await stop.CancelAsync();
            await running;
        }

        var bodies = File.ReadAllLines(output).SelectMany(l => EventJson.Read(Encoding.UTF8.GetBytes(l))).Select(e => (string)e["event.original"]!);
        Assert.Equal(["{\"n\": 1}", "{\"n\": 2}", "{\"n\": 3}"], bodies);
        Assert.Equal(["m1", "m2", "m3"], server.Acked);
    }

    [Fact]
    public async Task A_refused_login_is_an_error_and_the_right_one_subscribes()
    {
        await using var server = new StompServer { Login = "me@example.org", Passcode = "api-key" };
        server.Publish("hello");
        var options = new StompCollectorOptions
        {
            Server = "127.0.0.1", Port = server.Port, Exchange = Exchange, Ssl = false, AuthBySslClientCertificate = false,
            Username = "me@example.org", Password = new("wrong"), Heartbeat = 0,
        };

        var refused = await Assert.ThrowsAsync<IOException>(async () => await new StompCollector(options, ProgramContext.Default).CollectAsync(new NoState(), Token).FirstAsync(Token));
        Assert.Contains("Access refused", refused.Message);

        await using var reports = new StompCollector(options with { Password = new("api-key") }, ProgramContext.Default).CollectAsync(new NoState(), Token).GetAsyncEnumerator(Token);
        Assert.True(await reports.MoveNextAsync());
        Assert.Equal("hello", Text(reports.Current));
    }

    [Fact]
    public async Task The_CONNECT_frame_names_the_server_as_its_host_as_IntelMQs_collector_does_unless_vhost_is_given()
    {
        await using var server = new StompServer();
        var options = new StompCollectorOptions
        {
            Server = "127.0.0.1", Port = server.Port, Exchange = Exchange, Ssl = false, AuthBySslClientCertificate = false, Password = new("guest"), Heartbeat = 0,
        };
        foreach (var given in (StompCollectorOptions[])[options, options with { Vhost = "/" }])
        {
            server.Publish("hello");
            await using var reports = new StompCollector(given, ProgramContext.Default).CollectAsync(new NoState(), Token).GetAsyncEnumerator(Token);
            Assert.True(await reports.MoveNextAsync());
            await reports.Current.Commit!(Token);
        }

        Assert.Equal([("1.2", "127.0.0.1"), ("1.2", "/")], server.Connects.Select(c => (c["accept-version"], c["host"])));
    }

    [Fact]
    public void IntelMQ_n6_feed_configuration_binds()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.stomp.collector");
        var (_, parameters) = Assert.Single(IntelMQFeeds.Collectors("intelmq.bots.collectors.stomp.collector"));
        CollectorSettings.Take(parameters);

        var options = (StompCollectorOptions)OptionBinder.Bind(program, parameters)!;

        Assert.Equal(("n6stream-new.cert.pl", 61614, false), (options.Server, options.Port, options.AuthBySslClientCertificate));
        Assert.IsType<StompCollector>(program.Create(options, ProgramContext.Default));
    }
}

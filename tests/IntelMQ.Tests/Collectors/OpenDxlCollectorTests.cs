using System.Text;
using System.Text.Json;
using IntelMQ.Cli;
using IntelMQ.Collectors.OpenDxl;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;
using MQTTnet.Protocol;

namespace IntelMQ.Tests.Collectors;

/// <summary>The OpenDXL collector against MQTTnet's broker with TLS and client certificates (not a DXL broker), fed DXL events encoded as the Python client encodes them.</summary>
public sealed class OpenDxlCollectorTests : IDisposable
{
    const string Topic = "/mcafee/event/atd/file/report";
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-opendxl-").FullName;
    readonly TestCertificates _certificates;

    public OpenDxlCollectorTests() => _certificates = new TestCertificates(_dir);

    public void Dispose()
    {
        _certificates.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>A dxlclient.config as the fabric's provisioning writes it, with relative certificate files beside it.</summary>
    string Config(string brokers, string name = "dxlclient.config", string certs = "BrokerCertChain=ca.pem\nCertFile=client.pem\nPrivateKey=client.pem\n")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, $"# provisioned for the test\n[Certs]\n{certs}\n[Brokers]\n{brokers}\n");
        return path;
    }

    string Config(MqttTlsBroker broker) => Config($"{{b1}}={{b1}};{broker.Port};127.0.0.1;127.0.0.1");

    OpenDxlCollectorOptions Options(string config) => new() { DxlConfigFile = config, DxlTopic = Topic };

    static byte[] Json(int n) => Encoding.UTF8.GetBytes($"{{\"Summary\": {{\"n\": {n}}}}}");

    [Fact]
    public async Task A_DXL_event_payload_is_a_report_acknowledged_only_once_handed_on()
    {
        await using var broker = await MqttTlsBroker.StartAsync(_certificates);
        var collector = new OpenDxlCollector(Options(Config(broker)), new ProgramContext { Id = "atd" });
        var reports = collector.CollectAsync(new StompCollectorTests.NoState(), Token).GetAsyncEnumerator(Token);
        try
        {
            var next = reports.MoveNextAsync().AsTask();
            await Eventually.WaitForAsync("the subscription", () => !broker.Subscriptions.IsEmpty, Token);
            await broker.PublishAsync(Topic, DxlMessages.Encode(Json(1)));
            await broker.PublishAsync(Topic, DxlMessages.Encode(Json(2), version: 0));
            Assert.True(await next);
            var first = reports.Current;
            Assert.Equal("{\"Summary\": {\"n\": 1}}", StompCollectorTests.Text(first));
            Assert.Equal($"mqtts://127.0.0.1:{broker.Port}{Topic}", first.Report["feed.url"]);
            Assert.Equal(0, broker.Acknowledged);

            await first.Commit!(Token);
            await Eventually.WaitForAsync("the PUBACK of the first event", () => broker.Acknowledged == 1, Token);
            Assert.True(await reports.MoveNextAsync());
            Assert.Equal("{\"Summary\": {\"n\": 2}}", StompCollectorTests.Text(reports.Current));
        }
        finally
        {
            await reports.DisposeAsync();
        }
        Assert.Equal([("intelmq-atd", Topic, MqttQualityOfServiceLevel.AtLeastOnce)], broker.Subscriptions);
    }

    [Fact]
    public async Task An_event_not_acknowledged_comes_again_on_the_next_connection()
    {
        await using var broker = await MqttTlsBroker.StartAsync(_certificates);
        var collector = new OpenDxlCollector(Options(Config(broker)), ProgramContext.Default);

        await using (var reports = collector.CollectAsync(new StompCollectorTests.NoState(), Token).GetAsyncEnumerator(Token))
        {
            var next = reports.MoveNextAsync().AsTask();
            await Eventually.WaitForAsync("the subscription", () => !broker.Subscriptions.IsEmpty, Token);
            await broker.PublishAsync(Topic, DxlMessages.Encode(Json(1)));
            Assert.True(await next);
        }
        await using (var reports = collector.CollectAsync(new StompCollectorTests.NoState(), Token).GetAsyncEnumerator(Token))
        {
            Assert.True(await reports.MoveNextAsync());
            Assert.Equal("{\"Summary\": {\"n\": 1}}", StompCollectorTests.Text(reports.Current));
            await reports.Current.Commit!(Token);
            await Eventually.WaitForAsync("the PUBACK", () => broker.Acknowledged == 1, Token);
        }
    }

    [Fact]
    public async Task Brokers_are_tried_in_the_config_files_order_until_one_answers()
    {
        await using var broker = await MqttTlsBroker.StartAsync(_certificates);
        var config = Config($"down={{down}};{RedisServer.FreePort()};127.0.0.1\nup={{up}};{broker.Port};localhost;127.0.0.1");
        var collector = new OpenDxlCollector(Options(config), ProgramContext.Default);

        await using var reports = collector.CollectAsync(new StompCollectorTests.NoState(), Token).GetAsyncEnumerator(Token);
        var next = reports.MoveNextAsync().AsTask();
        await Eventually.WaitForAsync("the subscription", () => !broker.Subscriptions.IsEmpty, Token);
        await broker.PublishAsync(Topic, DxlMessages.Encode(Json(1)));
        Assert.True(await next);
        Assert.Equal($"mqtts://localhost:{broker.Port}{Topic}", reports.Current.Report["feed.url"]);
    }

    [Fact]
    public async Task A_lost_connection_is_transient()
    {
        var broker = await MqttTlsBroker.StartAsync(_certificates);
        var collector = new OpenDxlCollector(Options(Config(broker)), ProgramContext.Default);
        await using var reports = collector.CollectAsync(new StompCollectorTests.NoState(), Token).GetAsyncEnumerator(Token);
        var next = reports.MoveNextAsync().AsTask();
        await Eventually.WaitForAsync("the subscription", () => !broker.Subscriptions.IsEmpty, Token);

        await broker.DisposeAsync();

        var error = await Assert.ThrowsAsync<TransientException>(() => next);
        Assert.Contains($"mqtts://127.0.0.1:{broker.Port}: the connection was lost", error.Message);
    }

    [Fact]
    public async Task No_broker_to_be_reached_is_transient_and_names_each()
    {
        var port = RedisServer.FreePort();
        var collector = new OpenDxlCollector(Options(Config($"b1=b1;{port};127.0.0.1")), ProgramContext.Default);

        var error = await Assert.ThrowsAsync<TransientException>(async () => await collector.CollectAsync(new StompCollectorTests.NoState(), Token).FirstAsync(Token));

        Assert.Contains($"mqtts://127.0.0.1:{port}", error.Message);
    }

    [Fact]
    public async Task A_client_certificate_of_another_authority_is_refused()
    {
        await using var broker = await MqttTlsBroker.StartAsync(_certificates);
        var stranger = Directory.CreateDirectory(Path.Combine(_dir, "stranger")).FullName;
        using var other = new TestCertificates(stranger);
        var config = Config($"b1=b1;{broker.Port};127.0.0.1", certs: $"BrokerCertChain=ca.pem\nCertFile={other.ClientPem}\nPrivateKey={other.ClientPem}\n");
        var collector = new OpenDxlCollector(Options(config), ProgramContext.Default);

        var error = await Record.ExceptionAsync(async () => await collector.CollectAsync(new StompCollectorTests.NoState(), Token).FirstAsync(Token));

        // .NET's TLS server checks the client's certificate once its side of the handshake is done, so the client may
        // see the refusal as a TLS failure (IOException: tried at the next run) or as a connection lost right after
        // it (transient: retried with backoff); either way it does not get in, and the error names the broker.
        Assert.True(error is IOException or TransientException, error?.ToString());
        Assert.Contains($"mqtts://127.0.0.1:{broker.Port}", error!.Message);
        Assert.Empty(broker.Connections);
    }

    [Fact]
    public async Task A_broker_certificate_of_another_authority_is_not_trusted()
    {
        await using var broker = await MqttTlsBroker.StartAsync(_certificates);
        var stranger = Directory.CreateDirectory(Path.Combine(_dir, "stranger")).FullName;
        using var other = new TestCertificates(stranger);
        var config = Config($"b1=b1;{broker.Port};127.0.0.1", certs: $"BrokerCertChain={other.AuthorityPem}\nCertFile=client.pem\nPrivateKey=client.pem\n");
        var collector = new OpenDxlCollector(Options(config), ProgramContext.Default);

        var error = await Assert.ThrowsAsync<IOException>(async () => await collector.CollectAsync(new StompCollectorTests.NoState(), Token).FirstAsync(Token));

        Assert.Contains("TLS failed", error.Message);
        Assert.Empty(broker.Connections);
    }

    [Fact]
    public async Task A_message_that_is_no_DXL_event_or_not_UTF8_goes_to_the_dump_is_acknowledged_and_the_events_after_it_are_handed_on()
    {
        await using var broker = await MqttTlsBroker.StartAsync(_certificates);
        var output = Path.Combine(_dir, "reports.jsonl");
        var dump = Path.Combine(_dir, "dump.jsonl");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var host = new CollectorHost(new CollectorHostOptions
        {
            Program = Programs.Catalog.Resolve("intelmq.bots.collectors.opendxl.collector"),
            Options = Options(Config(broker)),
            Context = new ProgramContext { Id = "atd" },
            Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{output}"] },
            DumpPath = dump,
            StatePath = Path.Combine(_dir, "state", "atd.json"),
            Schedule = CollectorSchedule.Every(TimeSpan.FromSeconds(1)),
            Backoff = new Backoff(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(100)),
        }, ChannelCatalog.WithBuiltIns(), new ChannelContext("atd", 0, TextWriter.Null));
        await using (host)
        {
            var running = host.RunAsync(stop.Token, Token);
            await Eventually.WaitForAsync("the subscription", () => !broker.Subscriptions.IsEmpty, Token);
            await broker.PublishAsync(Topic, Encoding.UTF8.GetBytes("{\"not\": \"msgpack\"}"));
            await broker.PublishAsync(Topic, DxlMessages.Encode(Json(0), type: DxlMessages.Request));
            await broker.PublishAsync(Topic, DxlMessages.Encode([0x7b, 0xff, 0xfe, 0x7d])); // an event, but not UTF-8: the host dumps it
            await broker.PublishAsync(Topic, DxlMessages.Encode(Json(1)));
            await Eventually.WaitForAsync("four PUBACKs", () => broker.Acknowledged == 4, Token);
            await stop.CancelAsync();
            await running;
        }

        var bodies = File.ReadAllLines(output).SelectMany(l => EventJson.Read(Encoding.UTF8.GetBytes(l))).Select(e => (string)e["event.original"]!);
        Assert.Equal(["{\"Summary\": {\"n\": 1}}"], bodies);
        var errors = File.ReadAllLines(dump).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("error").GetString()!).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains("not a DXL message", errors[0]);
        Assert.Contains("a DXL request (type 0), not an event", errors[1]);
        Assert.Contains("not UTF-8", errors[2]);
    }

    [Theory]
    [InlineData("[Certs]\nBrokerCertChain=ca.pem\nCertFile=client.pem\nPrivateKey=client.pem\n[Brokers]\nb1=b1;port;broker.example\n", "line 6", "'port' is not a port")]
    [InlineData("[Certs]\nBrokerCertChain=ca.pem\nCertFile=client.pem\n[Brokers]\nb1=b1;8883;broker.example\n", "has no [Certs] PrivateKey", "add PrivateKey=FILE")]
    [InlineData("[Certs]\nBrokerCertChain=ca.pem\nCertFile=missing.pem\nPrivateKey=client.pem\n[Brokers]\nb1=b1;8883;broker.example\n", "line 3", "CertFile 'missing.pem' is not a file")]
    [InlineData("[Certs]\nBrokerCertChain=ca.pem\nCertFile=client.pem\nPrivateKey=client.pem\n[Brokers]\n", "lists no broker", "add a [Brokers] section")]
    [InlineData("[Certs\nBrokerCertChain=ca.pem\n", "line 1", "not a section header")]
    [InlineData("[Certs]\nBrokerCertChain ca.pem\n", "line 2", "write name=value")]
    [InlineData("[General]\nUseWebSockets=true\n[Certs]\nBrokerCertChain=ca.pem\nCertFile=client.pem\nPrivateKey=client.pem\n[Brokers]\nb1=b1;8883;broker.example\n", "line 2", "set UseWebSockets=false")]
    public void A_broken_config_file_is_refused_at_start_naming_the_file_the_line_and_the_fix(string text, string where, string fix)
    {
        var path = Path.Combine(_dir, "broken.config");
        File.WriteAllText(path, text);

        var error = Assert.Throws<ConfigurationException>(() => new OpenDxlCollector(Options(path), ProgramContext.Default));

        Assert.Contains(path, error.Message);
        Assert.Contains(where, error.Message);
        Assert.Contains(fix, error.Message);
    }

    [Fact]
    public void A_broken_config_file_ends_intelmq_run_with_status_2()
    {
        using var intelmq = new IntelMQCommand();
        var path = Path.Combine(_dir, "broken.config");
        File.WriteAllText(path, "[Certs]\nBrokerCertChain=ca.pem\n");

        var result = intelmq.Run("", "run", "opendxl-collector", "--set", $"dxl_config_file={path}", "--set", $"dxl_topic={Topic}", "--output", $"file:{Path.Combine(_dir, "out.jsonl")}");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("lists no broker", result.Stderr);
    }

    [Fact]
    public void IntelMQ_ATD_feed_configuration_binds()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.opendxl.collector");
        var (_, parameters) = Assert.Single(IntelMQFeeds.Collectors("intelmq.bots.collectors.opendxl.collector"));
        CollectorSettings.Take(parameters);

        var options = (OpenDxlCollectorOptions)OptionBinder.Bind(program, parameters)!;

        Assert.Equal(("{{ location of dxl configuration file }}", Topic), (options.DxlConfigFile, options.DxlTopic));
    }

    [Fact]
    public async Task A_collector_killed_between_receiving_and_handing_on_hands_the_event_on_after_its_restart()
    {
        await using var broker = await MqttTlsBroker.StartAsync(_certificates);
        using var intelmq = new IntelMQCommand();
        using var crash = new CollectorCrash(intelmq, ["run", "opendxl-collector", "--set", $"dxl_config_file={Config(broker)}", "--set", $"dxl_topic={Topic}"]);

        await crash.StartAsync(async () =>
        {
            await Eventually.WaitForAsync("the subscription", () => !broker.Subscriptions.IsEmpty, Token);
            await broker.PublishAsync(Topic, DxlMessages.Encode(Encoding.UTF8.GetBytes("warm-up")));
        }, Token);
        await crash.KillWhileHandingOnAsync(() => broker.PublishAsync(Topic, DxlMessages.Encode(Encoding.UTF8.GetBytes("the event"))), Token);
        var reports = await crash.ReportsAsync(1, Token);

        Assert.Equal(["the event"], reports.Select(QueueReports.Body));
        await Eventually.WaitForAsync("the warm-up's and the event's PUBACKs", () => broker.Acknowledged == 2, Token);
    }
}

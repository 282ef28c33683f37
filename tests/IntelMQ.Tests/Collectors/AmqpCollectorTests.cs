using System.Text;
using IntelMQ.Core;
using IntelMQ.Tests.Channels;
using RabbitMQ.Client;

namespace IntelMQ.Tests.Collectors;

/// <summary>The AMQP collector against a private rabbitmq-server: acknowledgement after hand-off, foreign and IntelMQ messages, a crash.</summary>
public sealed class AmqpCollectorTests(RabbitMQServer server) : IClassFixture<RabbitMQServer>, IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    RabbitMQServer Server
    {
        get
        {
            Assert.SkipWhen(server.Unavailable is not null, server.Unavailable ?? "");
            return server;
        }
    }

    async Task<string> QueueWithAsync(params byte[][] messages)
    {
        var queue = $"partner-{Guid.NewGuid():N}";
        var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = Server.Port };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        foreach (var message in messages) await channel.BasicPublishAsync("", queue, message);
        return queue;
    }

    static List<Event> Reports(string path) => [.. File.ReadAllLines(path).Select(l => EventJson.Read(Encoding.UTF8.GetBytes(l)).Single())];

    [Fact]
    public async Task Every_message_becomes_a_report_and_is_acknowledged_and_one_that_is_not_UTF8_is_dumped_and_acknowledged()
    {
        var queue = await QueueWithAsync("first,line\n"u8.ToArray(), [0xff, 0xfe, 0x00], "third"u8.ToArray());

        var run = _intelmq.Run("", "run", "intelmq.bots.collectors.amqp.collector_amqp", "--set", $"connection_port={Server.Port}",
            "--set", $"queue_name={queue}", "--set", "name=Partner", "--output", $"file:{_intelmq.PathOf("reports.jsonl")}", "--dump", _intelmq.PathOf("dump.jsonl"));

        Assert.True(run.ExitCode == 1, run.Stderr);
        var reports = Reports(_intelmq.PathOf("reports.jsonl"));
        Assert.Equal(["first,line\n", "third"], reports.Select(r => (string)r["event.original"]!));
        Assert.All(reports, r => Assert.Equal("Partner", r["feed.name"]));
        Assert.Single(File.ReadAllLines(_intelmq.PathOf("dump.jsonl")));
        Assert.Equal(0u, await Server.ReadyAsync(queue));
    }

    [Fact]
    public async Task With_expect_intelmq_message_an_IntelMQ_report_keeps_its_fields_and_an_event_is_dumped()
    {
        var report = """{"__type": "Report", "feed.name": "Upstream", "extra.file_name": "2024-05-01-scan_smb-geo.csv", "raw": "YSxiCg=="}""";
        var ev = """{"__type": "Event", "feed.name": "Upstream", "source.ip": "192.0.2.1"}""";
        var queue = await QueueWithAsync(Encoding.UTF8.GetBytes(report), Encoding.UTF8.GetBytes(ev));

        var run = _intelmq.Run("", "run", "amqp-collector", "--set", $"connection_port={Server.Port}", "--set", $"queue_name={queue}",
            "--set", "expect_intelmq_message=true", "--set", "name=Ours", "--output", $"file:{_intelmq.PathOf("reports.jsonl")}");

        Assert.True(run.ExitCode == 1, run.Stderr);
        var collected = Assert.Single(Reports(_intelmq.PathOf("reports.jsonl")));
        Assert.Equal(("a,b\n", "Upstream", "2024-05-01-scan_smb-geo.csv"),
            ((string)collected["event.original"]!, (string)collected["feed.name"]!, (string)collected["custom.file_name"]!));
        Assert.Equal(0u, await Server.ReadyAsync(queue));
    }

    [Fact]
    public async Task A_collector_killed_between_receiving_and_handing_on_hands_the_message_on_once_after_its_restart()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = await QueueWithAsync();
        using var crash = new CollectorCrash(_intelmq, ["run", "amqp-collector", "--set", $"connection_port={Server.Port}", "--set", $"queue_name={queue}"]);
        async Task Publish(string body)
        {
            var factory = new ConnectionFactory { HostName = "127.0.0.1", Port = Server.Port };
            await using var connection = await factory.CreateConnectionAsync(ct);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
            await channel.BasicPublishAsync("", queue, Encoding.UTF8.GetBytes(body), ct);
        }

        await crash.StartAsync(() => Publish("warm-up"), ct);
        await crash.KillWhileHandingOnAsync(() => Publish("the message"), ct);
        var reports = await crash.ReportsAsync(1, ct);

        Assert.Equal(["the message"], reports.Select(QueueReports.Body));
        Assert.Equal(0u, await Server.ReadyAsync(queue));
    }
}

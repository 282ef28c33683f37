using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IntelMQ.Cli;
using IntelMQ.Collectors.Listeners;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>The TCP collector: IntelMQ's TCP output protocol answered Ok only after hand-off, separated messages, a crash.</summary>
public sealed class TcpCollectorTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    string Output => _intelmq.PathOf("reports.jsonl");

    CollectorHost Host(TcpCollectorOptions options) => new(new CollectorHostOptions
    {
        Program = Programs.Catalog.Resolve("intelmq.bots.collectors.tcp.collector"),
        Options = options,
        Context = new ProgramContext { Id = "tcp" },
        Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{Output}"] },
        DumpPath = _intelmq.PathOf("dump.jsonl"),
        StatePath = _intelmq.PathOf("tcp.json"),
        Feed = new Dictionary<string, string> { ["feed.name"] = "Partner" },
    }, ChannelCatalog.WithBuiltIns(), new ChannelContext("tcp", 0, TextWriter.Null));

    List<string> Bodies() => File.Exists(Output) ? [.. File.ReadAllLines(Output).Select(QueueReports.Body)] : [];

    /// <summary>Connects (retrying while nothing listens yet), as IntelMQ's TCP output does.</summary>
    static async Task<TcpClient> ConnectAsync(int port, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, ct);
                return client;
            }
            catch (SocketException) when (attempt < 300)
            {
                client.Dispose();
                await Task.Delay(200, ct);
            }
        }
    }

    static async Task SendAsync(NetworkStream stream, string message, CancellationToken ct)
    {
        var body = Encoding.UTF8.GetBytes(message);
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)body.Length);
        await stream.WriteAsync(header, ct);
        await stream.WriteAsync(body, ct);
    }

    /// <returns>The answer: "Ok", or what came before the connection closed.</returns>
    static async Task<string> AnswerAsync(NetworkStream stream, CancellationToken ct)
    {
        var answer = new byte[2];
        try
        {
            var n = await stream.ReadAtLeastAsync(answer, 2, throwOnEndOfStream: false, ct);
            return Encoding.ASCII.GetString(answer, 0, n);
        }
        catch (IOException)
        {
            return "";
        }
    }

    [Fact]
    public async Task Each_length_prefixed_message_is_answered_Ok_only_once_its_report_is_handed_on()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = RedisServer.FreePort();
        using var stop = new CancellationTokenSource();
        await using var host = Host(new TcpCollectorOptions { Port = port });
        var run = host.RunAsync(stop.Token, ct);

        using var client = await ConnectAsync(port, ct);
        var stream = client.GetStream();
        var seen = new List<(string Answer, List<string> Reports)>();
        foreach (var message in new[] { "{\"__type\": \"Event\", \"source.ip\": \"192.0.2.1\"}", "second" })
        {
            await SendAsync(stream, message, ct);
            seen.Add((await AnswerAsync(stream, ct), Bodies()));
        }
        client.Close();
        stop.Cancel();
        await run;

        Assert.Equal(("Ok", 1), (seen[0].Answer, seen[0].Reports.Count));
        Assert.Equal(("Ok", 2), (seen[1].Answer, seen[1].Reports.Count));
        Assert.Equal(["{\"__type\": \"Event\", \"source.ip\": \"192.0.2.1\"}", "second"], Bodies());
    }

    [Fact]
    public async Task With_a_separator_every_non_empty_part_is_a_report_and_the_last_one_too_when_the_sender_closes()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = RedisServer.FreePort();
        using var stop = new CancellationTokenSource();
        await using var host = Host(new TcpCollectorOptions { Port = port, Separator = "\\n" });
        var run = host.RunAsync(stop.Token, ct);

        using (var client = await ConnectAsync(port, ct))
            await client.GetStream().WriteAsync("a,1\nb,2\n\nc,3"u8.ToArray(), ct);
        await Eventually.WaitForAsync("three reports", () => Bodies().Count == 3, ct);
        stop.Cancel();
        await run;

        Assert.Equal(["a,1", "b,2", "c,3"], Bodies());
    }

    [Fact]
    public async Task A_collector_killed_between_receiving_and_handing_on_answers_the_resent_message_Ok_and_hands_it_on_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = RedisServer.FreePort();
        using var crash = new CollectorCrash(_intelmq, ["run", "tcp-collector", "--set", $"port={port}"]);
        TcpClient? first = null;
        Task<string>? firstAnswer = null;

        await crash.StartAsync(async () =>
        {
            using var client = await ConnectAsync(port, ct);
            await SendAsync(client.GetStream(), "warm-up", ct);
            Assert.Equal("Ok", await AnswerAsync(client.GetStream(), ct));
        }, ct);
        await crash.KillWhileHandingOnAsync(async () =>
        {
            first = await ConnectAsync(port, ct);
            await SendAsync(first.GetStream(), "the message", ct);
            firstAnswer = AnswerAsync(first.GetStream(), ct);
        }, ct);
        var unanswered = await firstAnswer!;
        first!.Dispose();
        using (var again = await ConnectAsync(port, ct))
        {
            await SendAsync(again.GetStream(), "the message", ct);
            Assert.Equal("Ok", await AnswerAsync(again.GetStream(), ct));
        }
        var reports = await crash.ReportsAsync(1, ct);

        Assert.Equal("", unanswered);
        Assert.Equal(["the message"], reports.Select(QueueReports.Body));
    }
}

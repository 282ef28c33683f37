using System.Net;
using System.Net.Sockets;
using System.Text;
using IntelMQ.Cli;
using IntelMQ.Collectors.Listeners;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Collectors;

/// <summary>The syslog listener: UDP and TCP framings, one message per line, bounded size, batches by count and on stop.</summary>
public sealed class SyslogCollectorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-syslog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Output => Path.Combine(_dir, "reports.jsonl");

    CollectorHost Host(SyslogCollectorOptions options) => new(new CollectorHostOptions
    {
        Program = Programs.Catalog.Resolve("syslog-collector"),
        Options = options,
        Context = new ProgramContext { Id = "syslog" },
        Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{Output}"] },
        DumpPath = Path.Combine(_dir, "dump.jsonl"),
        StatePath = Path.Combine(_dir, "syslog.json"),
        Feed = new Dictionary<string, string> { ["feed.name"] = "Firewall" },
    }, ChannelCatalog.WithBuiltIns(), new ChannelContext("syslog", 0, TextWriter.Null));

    List<string> Reports() => File.Exists(Output) ? [.. File.ReadAllLines(Output).Select(QueueReports.Body)] : [];

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
            catch (SocketException) when (attempt < 100)
            {
                client.Dispose();
                await Task.Delay(100, ct);
            }
        }
    }

    [Fact]
    public async Task Octet_counted_and_newline_framed_TCP_messages_and_UDP_datagrams_become_lines_of_reports_of_report_lines()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = RedisServer.FreePort();
        using var stop = new CancellationTokenSource();
        await using var host = Host(new SyslogCollectorOptions { Port = port, ReportLines = 4, ReportSeconds = 600, MaxMessageSize = 480 });
        var run = host.RunAsync(stop.Token, ct);

        var rfc5424 = "<34>1 2024-05-01T22:14:15.003Z fw1 sshd - ID47 - Failed password\nfor root";
        var rfc3164 = "<13>May  1 22:14:15 fw1 kernel: DROP SRC=192.0.2.1";
        using (var client = await ConnectAsync(port, ct))
        {
            var octets = Encoding.UTF8.GetByteCount(rfc5424);
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes($"{octets} {rfc5424}{rfc3164}\n"), ct);
            await client.GetStream().WriteAsync(Encoding.UTF8.GetBytes("<13>" + new string('x', 600) + "\n"), ct);
        }
        using (var udp = new UdpClient())
            await udp.SendAsync(Encoding.UTF8.GetBytes("<14>May  1 22:14:16 fw2 app: over UDP\n"), new IPEndPoint(IPAddress.Loopback, port), ct);
        await Eventually.WaitForAsync("a report of four messages", () => Reports().Count == 1, ct);
        stop.Cancel();
        await run;

        var lines = Reports().Single().Split('\n');
        Assert.Equal(5, lines.Length);
        Assert.Equal("", lines[4]);
        Assert.Contains("<34>1 2024-05-01T22:14:15.003Z fw1 sshd - ID47 - Failed password#012for root", lines);
        Assert.Contains(rfc3164, lines);
        Assert.Contains("<14>May  1 22:14:16 fw2 app: over UDP", lines);
        Assert.Contains("<13>" + new string('x', 476), lines);
    }

    [Fact]
    public async Task A_stop_hands_on_the_messages_of_the_unfinished_batch()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = RedisServer.FreePort();
        using var stop = new CancellationTokenSource();
        await using var host = Host(new SyslogCollectorOptions { Port = port, ReportLines = 1000, ReportSeconds = 600 });
        var run = host.RunAsync(stop.Token, ct);
        (await ConnectAsync(port, ct)).Dispose(); // listening: the UDP socket is bound before the TCP one

        using (var udp = new UdpClient())
            for (var i = 1; i <= 3; i++)
                await udp.SendAsync(Encoding.UTF8.GetBytes($"<14>message {i}"), new IPEndPoint(IPAddress.Loopback, port), ct);
        await Task.Delay(500, ct); // the datagrams read from the socket; what is still in it when the collector stops is lost, as syslog over UDP is
        stop.Cancel();
        var summary = await run;

        Assert.Equal("<14>message 1\n<14>message 2\n<14>message 3\n", Assert.Single(Reports()));
        Assert.Equal(1, summary.Events);
    }
}

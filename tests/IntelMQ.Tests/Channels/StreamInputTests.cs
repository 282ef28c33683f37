using System.Text;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary>Line-based inputs (stdin, file, pipe): bounded lines, and waiting that a daemon's stop can end.</summary>
public sealed class StreamInputTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    static readonly ChannelContext Context = new("stream-test", 0, TextWriter.Null);

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public async Task A_line_longer_than_max_message_size_becomes_a_delivery_with_an_error_and_its_start()
    {
        var ct = TestContext.Current.CancellationToken;
        var path = _intelmq.PathOf("in.jsonl");
        var huge = new string('x', 300_000);
        File.WriteAllText(path, $"{{\"a\": 1}}\n{huge}\n{{\"a\": 2}}\n{new string('y', 150)}");
        await using var input = IntelMQ.Cli.Channels.Catalog.OpenInput($"file:{path}?max_message_size=100", Context);

        var batch = (await input.ReceiveAsync(10, TimeSpan.FromSeconds(1), ct))!;
        Assert.Equal(["{\"a\": 1}", new string('x', 100), "{\"a\": 2}", new string('y', 100)], batch.Select(d => Encoding.UTF8.GetString(d.Body.Span)));
        Assert.Equal([null, "line 2", null, "line 4"], batch.Select(d => d.Error is null ? null : d.Position));
        Assert.Contains("300001 bytes long, more than max_message_size=100", batch[1].Error!.Message);
        Assert.Contains("150 bytes long", batch[3].Error!.Message);
        Assert.Null(await input.ReceiveAsync(10, TimeSpan.FromSeconds(1), ct));
    }

    [Theory]
    [InlineData("64K", 65536L)]
    [InlineData("2M", 2097152L)]
    [InlineData("1000", 1000L)]
    public void Max_message_size_takes_bytes_or_a_unit(string text, long bytes) =>
        Assert.Equal(bytes, ChannelAddress.Parse($"stdin:?max_message_size={text}").MaxMessageSize());

    [Fact]
    public void Max_message_size_is_64_MB_by_default() =>
        Assert.Equal(64L << 20, ChannelAddress.Parse("stdin:").MaxMessageSize());

    [Fact]
    public async Task An_idle_daemon_on_standard_input_stops_on_SIGTERM()
    {
        var metrics = RedisServer.FreePort();
        using var daemon = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--metrics", $"127.0.0.1:{metrics}"); // standard input: a pipe nobody writes to
        await SignalsHandled(metrics);
        await Task.Delay(1000, TestContext.Current.CancellationToken); // into its first wait for a line
        Assert.True(Eventually.Terminate(daemon, seconds: 20), "the daemon did not stop on SIGTERM");
        Assert.Equal(0, daemon.ExitCode);
    }

    [Fact]
    public async Task An_idle_daemon_on_a_named_pipe_without_writer_stops_on_SIGTERM()
    {
        var fifo = _intelmq.PathOf("in.fifo");
        var metrics = RedisServer.FreePort();
        using var daemon = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--input", $"pipe:{fifo}", "--metrics", $"127.0.0.1:{metrics}");
        await Eventually.WaitForAsync("the named pipe is created", () => File.Exists(fifo), TestContext.Current.CancellationToken);
        await SignalsHandled(metrics);
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        Assert.True(Eventually.Terminate(daemon, seconds: 20), "the daemon did not stop on SIGTERM");
        Assert.Equal(0, daemon.ExitCode);
    }

    // The daemon serves its metrics only after it took over SIGTERM: a fixed wait raced a slow start under load.
    static async Task SignalsHandled(int metricsPort)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        await Eventually.WaitForAsync("the daemon's /health answers", async () =>
        {
            try { return (await http.GetAsync("/health", TestContext.Current.CancellationToken)).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task A_daemon_on_a_named_pipe_reads_lines_written_after_a_wait_in_order()
    {
        var ct = TestContext.Current.CancellationToken;
        var fifo = _intelmq.PathOf("in.fifo");
        var output = _intelmq.PathOf("out.jsonl");
        using var daemon = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--input", $"pipe:{fifo}", "--output", $"file:{output}?format=ndjson");
        try
        {
            await Eventually.WaitForAsync("the named pipe is created", () => File.Exists(fifo), ct);
            await using (var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write))
            {
                await writer.WriteAsync("{\"source\": {\"ip\": \"192.0.2.1\"}}\n"u8.ToArray(), ct);
                await writer.FlushAsync(ct);
                await Task.Delay(1500, ct); // longer than the daemon's wait for a batch
                await writer.WriteAsync("{\"source\": {\"ip\": \"192.0.2.2\"}}\n"u8.ToArray(), ct);
            }
            await Eventually.WaitForAsync("both events are written", () => File.Exists(output) && File.ReadAllLines(output).Length == 2, ct);
        }
        finally
        {
            Assert.True(Eventually.Terminate(daemon, seconds: 20));
        }
        Assert.Contains("192.0.2.1", File.ReadAllLines(output)[0]);
        Assert.Contains("192.0.2.2", File.ReadAllLines(output)[1]);
    }
}

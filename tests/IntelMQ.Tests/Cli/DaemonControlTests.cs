using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Cli;

/// <summary>
/// <c>intelmq start | stop | reload | status</c> on a three-program workflow (taxonomy-expert, taxonomy-expert,
/// file-output) over Redis and over the embedded SQLite queue: every message sent in comes out, across a reload too.
/// </summary>
public sealed class DaemonControlTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    readonly IntelMQCommand _intelmq = new();
    static readonly ChannelContext Context = new("daemon-test", 0, TextWriter.Null);

    public void Dispose()
    {
        _intelmq.Run("", "stop", "--kill", "--timeout", "30");
        _intelmq.Dispose();
    }

    string Config => _intelmq.PathOf("etc/config.d");

    void Write(string id, string yaml)
    {
        Directory.CreateDirectory(Config);
        File.WriteAllText(Path.Combine(Config, id + ".yaml"), yaml);
    }

    Func<string, string> Queues(string transport) => transport == "redis"
        ? queue => $"redis://127.0.0.1:{redis.Required().Port}/2?queue={queue}"
        : queue => $"sqlite:{_intelmq.PathOf("queues.db")}?queue={queue}";

    /// <summary>first (with metrics) -> second -> last, which writes events.jsonl.</summary>
    int Workflow(Func<string, string> queue)
    {
        var port = FreePort();
        Write("first", $"program: taxonomy-expert\ninput: {queue("in")}\noutput: {queue("a")}\nmetrics: 127.0.0.1:{port}\nbatch_size: 20\n");
        Write("second", $"program: taxonomy-expert\ninput: {queue("a")}\noutput: {queue("b")}\nbatch_size: 20\n");
        Write("last", $"program: file-output\ninput: {queue("b")}\noptions:\n  path: {_intelmq.PathOf("events.jsonl")}\n  format: ndjson\n");
        return port;
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("redis")]
    public async Task Start_status_reload_and_stop_lose_no_message(string transport)
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = Queues(transport);
        Workflow(queue);
        var start = _intelmq.Run("", "start");
        Assert.True(start.ExitCode == 0, start.Stdout + start.Stderr);
        Assert.Equal(3, Directory.GetFiles(_intelmq.PathOf("var/run"), "*.pid").Length);

        await using var producer = IntelMQ.Cli.Channels.Catalog.OpenOutput(queue("in"), Context);
        await SendAsync(producer, 0, 300, ct);
        // The reload comes while messages are on their way through second.
        File.AppendAllText(Path.Combine(Config, "second.yaml"), "linger_ms: 5\n");
        var reload = _intelmq.Run("", "reload", "second");
        Assert.True(reload.ExitCode == 0, reload.Stdout);
        Assert.Contains("second: configuration reloaded", reload.Stdout);
        await SendAsync(producer, 300, 400, ct);

        await Eventually.WaitForAsync("400 events come out", () => Numbers().Count >= 400, ct);
        Assert.Equal(Enumerable.Range(0, 400), Numbers().Order());

        var status = _intelmq.Run("", "status", "--json");
        Assert.Equal(0, status.ExitCode);
        var statuses = JsonDocument.Parse(status.Stdout).RootElement.EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        Assert.All(statuses.Values, s => Assert.Equal("running", s.GetProperty("state").GetString()));
        Assert.Equal(400, statuses["first"].GetProperty("received").GetDouble());
        Assert.Equal(0, statuses["first"].GetProperty("dumped").GetDouble());
        Assert.Equal(JsonValueKind.Null, statuses["second"].GetProperty("received").ValueKind); // no metrics: configured

        var pids = statuses.Values.Select(s => s.GetProperty("pid").GetInt32()).ToList();
        var stop = _intelmq.Run("", "stop");
        Assert.True(stop.ExitCode == 0, stop.Stdout);
        Assert.Empty(Directory.GetFiles(_intelmq.PathOf("var/run"), "*.pid"));
        Assert.All(pids, pid => Assert.False(new IntelMQ.Cli.DaemonProcess(pid).IsRunning));
        Assert.Contains("stopped", _intelmq.Run("", "status").Stdout);
    }

    [Fact]
    public async Task A_reload_with_a_mistake_keeps_the_old_configuration_running()
    {
        var ct = TestContext.Current.CancellationToken;
        var queue = Queues("sqlite");
        Workflow(queue);
        Assert.Equal(0, _intelmq.Run("", "start").ExitCode);
        var pid = File.ReadAllText(_intelmq.PathOf("var/run/second.pid")).Trim();

        File.AppendAllText(Path.Combine(Config, "second.yaml"), "batch_sise: 5\n");
        var reload = _intelmq.Run("", "reload", "second");

        Assert.Equal(1, reload.ExitCode);
        Assert.Contains("second: reload refused, still running the previous configuration", reload.Stdout);
        Assert.Contains("Did you mean 'batch_size'?", reload.Stdout);
        await using var producer = IntelMQ.Cli.Channels.Catalog.OpenOutput(queue("in"), Context);
        await SendAsync(producer, 0, 50, ct);
        await Eventually.WaitForAsync("50 events come out", () => Numbers().Count >= 50, ct);
        Assert.Equal(pid, File.ReadAllText(_intelmq.PathOf("var/run/second.pid")).Trim());
        Assert.Contains("running", _intelmq.Run("", "status", "second").Stdout);
    }

    [Fact]
    public void A_stale_pid_file_is_reported_and_start_replaces_it()
    {
        Workflow(Queues("sqlite"));
        using (var gone = Process.Start("true")) { gone.WaitForExit(); Directory.CreateDirectory(_intelmq.PathOf("var/run")); File.WriteAllText(_intelmq.PathOf("var/run/first.pid"), $"{gone.Id}\n"); }

        var status = _intelmq.Run("", "status");
        Assert.Equal(1, status.ExitCode);
        Assert.Matches(@"first\s+taxonomy-expert\s+stale", status.Stdout);

        var start = _intelmq.Run("", "start", "first");
        Assert.True(start.ExitCode == 0, start.Stdout);
        Assert.Contains("first: stale pid file", start.Stdout);
        Assert.Contains("first: started", start.Stdout);
        Assert.Matches(@"first\s+taxonomy-expert\s+running", _intelmq.Run("", "status", "first").Stdout);
    }

    [Fact]
    public void An_instance_whose_program_refuses_its_options_is_reported_at_start()
    {
        Write("collector", $"program: file-collector\noutput: sqlite:{_intelmq.PathOf("queues.db")}?queue=in\noptions:\n  path: {_intelmq.PathOf("no-such-directory")}\n");
        var start = _intelmq.Run("", "start", "collector");

        Assert.Equal(1, start.ExitCode);
        Assert.Contains("collector: exited at once with status 2", start.Stdout);
        Assert.Contains("is not a directory", start.Stdout);
        Assert.False(File.Exists(_intelmq.PathOf("var/run/collector.pid")));
    }

    [Fact]
    public void An_instance_on_an_in_memory_queue_is_not_started_as_a_daemon()
    {
        Write("expert", "program: taxonomy-expert\ninput: memory:events\noutput: memory:classified\n");
        var start = _intelmq.Run("", "start");

        Assert.Equal(1, start.ExitCode);
        Assert.Contains("expert.yaml:2: expert: memory:events is an in-memory queue", start.Stdout);
        Assert.Contains("intelmq workflow run", start.Stdout);
        Assert.False(File.Exists(_intelmq.PathOf("var/run/expert.pid")));
    }

    List<int> Numbers() => !File.Exists(_intelmq.PathOf("events.jsonl")) ? []
        : [.. File.ReadAllLines(_intelmq.PathOf("events.jsonl")).Where(l => l.EndsWith('}')).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("custom").GetProperty("n").GetInt32())];

    static async Task SendAsync(IOutputChannel producer, int from, int to, CancellationToken ct) =>
        await producer.SendAsync([.. Enumerable.Range(from, to - from).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"custom\": {{\"n\": {i}}}}}"))], ct);

    static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

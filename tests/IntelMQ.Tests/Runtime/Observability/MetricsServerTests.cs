using System.Net;
using System.Net.Sockets;
using IntelMQ.Runtime.Channels;
using IntelMQ.Runtime.Observability;

namespace IntelMQ.Tests.Runtime.Observability;

/// <summary>The <c>--metrics</c> server: the series a scrape shows after known counts, the probes, and its address.</summary>
public sealed class MetricsServerTests
{
    static readonly HttpClient Http = new();

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static Task<string?> Ready(CancellationToken _) => Task.FromResult<string?>(null);

    [Fact]
    public async Task Scrape_shows_the_counts_recorded_per_batch_as_prometheus_series()
    {
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");
        metrics.ObserveQueues([("redis://127.0.0.1:6379/2?queue=out", new FixedDepth(7, 1000)), ("memory:x", new FixedDepth(3, null))]);
        await using var server = await MetricsServer.StartAsync("127.0.0.1:0", metrics, Ready, Cancel);
        metrics.MessagesReceived(5);
        metrics.MessagesReceived(2);
        metrics.EventsReceived(40);
        metrics.EventsSent("_default", 30);
        metrics.EventsSent("_on_error", 2);
        metrics.EventsSent("_default", 5);
        metrics.EventsDropped(3);
        metrics.Dumped(1);
        metrics.Retried(4);
        metrics.BatchCompleted(TimeSpan.FromMilliseconds(4));
        metrics.BatchCompleted(TimeSpan.FromSeconds(2));

        var text = await Http.GetStringAsync($"http://{server.EndPoint}/metrics", Cancel);

        const string labels = "id=\"taxonomy-expert\",program=\"taxonomy\"";
        string[] expected =
        [
            $"intelmq_messages_received_total{{{labels}}} 7",
            $"intelmq_events_received_total{{{labels}}} 40",
            $"intelmq_events_sent_total{{id=\"taxonomy-expert\",path=\"_default\",program=\"taxonomy\"}} 35",
            $"intelmq_events_sent_total{{id=\"taxonomy-expert\",path=\"_on_error\",program=\"taxonomy\"}} 2",
            $"intelmq_events_dropped_total{{{labels}}} 3",
            $"intelmq_dumped_total{{{labels}}} 1",
            $"intelmq_retries_total{{{labels}}} 4",
            .. new[] { "0.001", "0.0025" }.Select(le => $"intelmq_batch_duration_seconds_bucket{{{labels},le=\"{le}\"}} 0"),
            .. new[] { "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1" }.Select(le => $"intelmq_batch_duration_seconds_bucket{{{labels},le=\"{le}\"}} 1"),
            .. new[] { "2.5", "5", "10", "30", "60", "300", "+Inf" }.Select(le => $"intelmq_batch_duration_seconds_bucket{{{labels},le=\"{le}\"}} 2"),
            $"intelmq_batch_duration_seconds_sum{{{labels}}} 2.004",
            $"intelmq_batch_duration_seconds_count{{{labels}}} 2",
            $"intelmq_queue_depth{{{labels},queue=\"redis://127.0.0.1:6379/2?queue=out\"}} 7",
            $"intelmq_queue_depth{{{labels},queue=\"memory:x\"}} 3",
            $"intelmq_queue_max_length{{{labels},queue=\"redis://127.0.0.1:6379/2?queue=out\"}} 1000",
            $"intelmq_up{{{labels}}} 1",
        ];
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Where(l => !l.StartsWith('#')).Order(StringComparer.Ordinal));
        Assert.Equal(
            [
                "# TYPE intelmq_batch_duration_seconds histogram", "# TYPE intelmq_dumped_total counter", "# TYPE intelmq_events_dropped_total counter",
                "# TYPE intelmq_events_received_total counter", "# TYPE intelmq_events_sent_total counter", "# TYPE intelmq_messages_received_total counter",
                "# TYPE intelmq_queue_depth gauge", "# TYPE intelmq_queue_max_length gauge", "# TYPE intelmq_retries_total counter", "# TYPE intelmq_up gauge",
            ],
            lines.Where(l => l.StartsWith("# TYPE", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Counters_show_0_before_the_first_batch()
    {
        using var metrics = new RunMetrics("file", "file-output", ["_default"]);
        await using var server = await MetricsServer.StartAsync("127.0.0.1:0", metrics, Ready, Cancel);

        var text = await Http.GetStringAsync($"http://{server.EndPoint}/metrics", Cancel);

        const string labels = "id=\"file-output\",program=\"file\"";
        Assert.Equal(
            [
                $"intelmq_dumped_total{{{labels}}} 0",
                $"intelmq_events_dropped_total{{{labels}}} 0",
                $"intelmq_events_received_total{{{labels}}} 0",
                $"intelmq_events_sent_total{{id=\"file-output\",path=\"_default\",program=\"file\"}} 0",
                $"intelmq_messages_received_total{{{labels}}} 0",
                $"intelmq_retries_total{{{labels}}} 0",
                $"intelmq_up{{{labels}}} 1",
            ],
            text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Scrape_shows_only_its_own_instance_when_several_run_in_one_process()
    {
        using var mine = new RunMetrics("taxonomy", "mine");
        using var other = new RunMetrics("taxonomy", "other");
        await using var server = await MetricsServer.StartAsync("127.0.0.1:0", mine, Ready, Cancel);
        mine.MessagesReceived(1);
        other.MessagesReceived(2);

        var text = await Http.GetStringAsync($"http://{server.EndPoint}/metrics", Cancel);

        Assert.Contains("intelmq_messages_received_total{id=\"mine\",program=\"taxonomy\"} 1\n", text);
        Assert.DoesNotContain("\"other\"", text);
    }

    [Fact]
    public async Task Health_answers_200_while_the_process_lives()
    {
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");
        await using var server = await MetricsServer.StartAsync("127.0.0.1:0", metrics, Ready, Cancel);

        using var response = await Http.GetAsync($"http://{server.EndPoint}/health", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok\n", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Ready_answers_503_with_the_reason_until_the_check_passes_then_200()
    {
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");
        string? reason = "redis://127.0.0.1:6379/2?queue=in: cannot connect";
        await using var server = await MetricsServer.StartAsync("127.0.0.1:0", metrics, _ => Task.FromResult<string?>(reason), Cancel);

        using var before = await Http.GetAsync($"http://{server.EndPoint}/ready", Cancel);
        reason = null;
        using var after = await Http.GetAsync($"http://{server.EndPoint}/ready", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Equal("redis://127.0.0.1:6379/2?queue=in: cannot connect\n", await before.Content.ReadAsStringAsync(Cancel));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("ready\n", await after.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Ready_answers_503_when_the_check_throws()
    {
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");
        await using var server = await MetricsServer.StartAsync("127.0.0.1:0", metrics, _ => throw new InvalidOperationException("no database"), Cancel);

        using var response = await Http.GetAsync($"http://{server.EndPoint}/ready", Cancel);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("the readiness check failed: no database\n", await response.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task A_busy_port_is_a_configuration_error_that_says_so()
    {
        using var busy = new TcpListener(IPAddress.Loopback, 0);
        busy.Start();
        var port = ((IPEndPoint)busy.LocalEndpoint).Port;
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => MetricsServer.StartAsync($"127.0.0.1:{port}", metrics, Ready, Cancel));

        Assert.Equal($"cannot serve metrics on 127.0.0.1:{port}: the address is already in use (another program, or another instance with the same --metrics?)", error.Message);
    }

    [Theory]
    [InlineData("9100")]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1:http")]
    [InlineData("metrics.example.org:9100")]
    public async Task An_address_that_is_not_ip_and_port_is_refused_with_an_example(string address)
    {
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");

        var error = await Assert.ThrowsAsync<ConfigurationException>(() => MetricsServer.StartAsync(address, metrics, Ready, Cancel));

        Assert.Contains("e.g. 127.0.0.1:", error.Message);
    }

    [Fact]
    public async Task Disposing_the_server_closes_its_port()
    {
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");
        var server = await MetricsServer.StartAsync("127.0.0.1:0", metrics, Ready, Cancel);
        var endPoint = server.EndPoint;

        await server.DisposeAsync();

        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(endPoint, Cancel).AsTask());
    }

    [Fact]
    public async Task Listens_on_the_given_address_only()
    {
        using var metrics = new RunMetrics("taxonomy", "taxonomy-expert");
        await using var server = await MetricsServer.StartAsync("127.0.0.2:0", metrics, Ready, Cancel);

        using var other = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => other.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.EndPoint.Port), Cancel).AsTask());
        using var response = await Http.GetAsync($"http://{server.EndPoint}/health", Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    sealed class FixedDepth(long depth, long? limit) : IQueueDepth
    {
        public ValueTask<(long Depth, long? Limit)> DepthAsync(CancellationToken cancellationToken) => ValueTask.FromResult((depth, limit));
    }
}

using System.Text;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Runtime;

/// <summary>A daemon's Prometheus series after known traffic: good messages, bad ones, and a destination that is down at first.</summary>
public sealed class MetricsEndToEndTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public async Task A_daemon_serves_its_counts_health_and_readiness()
    {
        var input = $"sqlite:{_intelmq.PathOf("q.db")}?queue=in";
        var queue = IntelMQ.Cli.Channels.Catalog.OpenOutput(input, new ChannelContext("test", 0, TextWriter.Null));
        var messages = Enumerable.Range(1, 5).Select(i => "{\"classification\": {\"type\": \"scanner\"}, \"source\": {\"port\": " + i + "}}")
            .Concat(["not json", "{\"source\": {\"port\": \"http\"}}"]);
        await queue.SendAsync(messages.Select(m => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(m)).ToList(), CancellationToken.None);
        await queue.DisposeAsync();

        var redisPort = RedisServer.FreePort();
        var metricsPort = RedisServer.FreePort();
        using var daemon = _intelmq.Start("run", "taxonomy-expert", "--daemon", "--input", input, "--output", $"redis://127.0.0.1:{redisPort}/0?queue=out",
            "--metrics", $"127.0.0.1:{metricsPort}", "--retry-delay", "0.2");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await Eventually.WaitForAsync("/health answers", async () =>
        {
            try { return (await http.GetAsync("/health", cancel.Token)).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, cancel.Token);
        // Redis comes up only once the daemon has found it down and counted a retry (a fixed wait raced a slow start).
        await Eventually.WaitForAsync("a retry while Redis is down", async () =>
            Value(await http.GetStringAsync("/metrics", cancel.Token), "intelmq_retries_total") >= 1, cancel.Token);
        using var redis = RedisServer.StartOn(redisPort);
        await Eventually.WaitForAsync("5 events in Redis", () => redis.Required().Client.ListLength("out") == 5, cancel.Token);
        string metrics = "";
        await Eventually.WaitForAsync("the batch counted", async () =>
        {
            metrics = await http.GetStringAsync("/metrics", cancel.Token);
            return metrics.Contains("intelmq_events_sent_total{", StringComparison.Ordinal) && metrics.Contains("intelmq_batch_duration_seconds_bucket{", StringComparison.Ordinal);
        }, cancel.Token);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/ready", cancel.Token)).StatusCode);
        Assert.True(Eventually.Terminate(daemon));

        Assert.Equal(7, Value(metrics, "intelmq_messages_received_total"));
        Assert.Equal(5, Value(metrics, "intelmq_events_received_total"));
        Assert.Equal(5, Value(metrics, "intelmq_events_sent_total", "path=\"_default\""));
        Assert.Equal(2, Value(metrics, "intelmq_dumped_total"));
        Assert.Equal(0, Value(metrics, "intelmq_events_dropped_total"));
        Assert.True(Value(metrics, "intelmq_retries_total") >= 1, metrics);
        Assert.Contains("intelmq_batch_duration_seconds_bucket{", metrics);
        Assert.Contains("program=\"taxonomy-expert\"", metrics);
    }

    static double Value(string exposition, string name, string label = "") =>
        exposition.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal) && l.Contains(label, StringComparison.Ordinal))
            .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture)).Sum();
}

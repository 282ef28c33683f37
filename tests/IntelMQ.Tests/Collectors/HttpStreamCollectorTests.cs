using System.Text;
using IntelMQ.Cli;
using IntelMQ.Collectors.Http;
using IntelMQ.Runtime;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The HTTP stream collector: one report per line, each as it arrives.</summary>
public sealed class HttpStreamCollectorTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    sealed class NoState : ICollectorState
    {
        public string? Get(string key) => null;
    }

    [Fact]
    public async Task Every_line_is_a_report_handed_out_before_the_stream_goes_on()
    {
        var secondLine = new TaskCompletionSource();
        await using var server = await FeedServer.StartAsync(async context =>
        {
            await context.Response.WriteAsync("{\"domain\": \"a.example\"}\n\n");
            await context.Response.Body.FlushAsync();
            await secondLine.Task.WaitAsync(Token);
            await context.Response.WriteAsync("   {\"domain\": \"b.example\"}  \n");
        });
        using var collector = new HttpStreamCollector(new HttpStreamCollectorOptions { HttpUrl = server.Url("stream?key=k") }, ProgramContext.Default);

        var lines = new List<(string Body, string Url)>();
        await foreach (var report in collector.CollectAsync(new NoState(), Token))
            await using (report)
            {
                lines.Add((await new StreamReader(report.Body).ReadToEndAsync(Token), (string)report.Report["feed.url"]!));
                // The second line is only sent once the first was taken: reports come as lines arrive, not at the stream's end.
                secondLine.TrySetResult();
            }

        Assert.Equal([("{\"domain\": \"a.example\"}", server.Url("stream?key=k")), ("{\"domain\": \"b.example\"}", server.Url("stream?key=k"))], lines);
    }

    [Fact]
    public async Task A_silent_stream_is_a_transient_failure()
    {
        using var release = new CancellationTokenSource();
        await using var server = await FeedServer.StartAsync(async context =>
        {
            await context.Response.WriteAsync("line\n");
            await context.Response.Body.FlushAsync();
            try { await Task.Delay(Timeout.Infinite, release.Token); } catch (OperationCanceledException) { }
        });
        using var collector = new HttpStreamCollector(new HttpStreamCollectorOptions { HttpUrl = server.Url("stream"), HttpTimeoutSec = "0.3" }, ProgramContext.Default);

        var received = new List<string>();
        var error = await Assert.ThrowsAsync<TransientException>(async () =>
        {
            await foreach (var report in collector.CollectAsync(new NoState(), Token))
                await using (report) received.Add(await new StreamReader(report.Body, Encoding.UTF8).ReadToEndAsync(Token));
        });
        release.Cancel();

        Assert.Equal(["line"], received);
        Assert.Contains("sent nothing", error.Message);
    }

    [Fact]
    public void The_IntelMQ_stream_feed_configuration_binds()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.http.collector_http_stream");
        var (_, parameters) = Assert.Single(IntelMQFeeds.Collectors("intelmq.bots.collectors.http.collector_http_stream"));
        CollectorSettings.Take(parameters);
        var options = (HttpStreamCollectorOptions)OptionBinder.Bind(program, parameters)!;
        Assert.True(options.StripLines);
    }
}

using System.Collections.Concurrent;
using IntelMQ.Collectors.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// What the HTTP clients of one process ask of one host (a Kestrel server in the test), together: at most
/// http_host_concurrency requests at a time, starts spaced by http_host_rate, and nothing while its Retry-After runs.
/// Each client here stands for a collector of its own, as the workflow runner runs many in one process.
/// </summary>
public sealed class HttpPolitenessTests
{
    static CancellationToken Token => TestContext.Current.CancellationToken;

    static FeedHttpClient Client(HttpCollectorOptions options, TimeProvider? clock = null) => new(options, "test", clock ?? TimeProvider.System);

    static async Task<string> GetAsync(FeedHttpClient client, string url)
    {
        using var response = await client.SendAsync(() => new HttpRequestMessage(HttpMethod.Get, url), Token);
        using var body = new MemoryStream();
        await client.CopyBodyAsync(response, body, null, Token);
        return System.Text.Encoding.UTF8.GetString(body.ToArray());
    }

    [Fact]
    public async Task Collectors_of_one_process_ask_one_host_at_most_http_host_concurrency_at_a_time_and_another_host_meanwhile()
    {
        var held = new ConcurrentQueue<TaskCompletionSource>();
        int inFlight = 0, most = 0;
        Func<HttpContext, Task> holding = async context =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            held.Enqueue(release);
            await release.Task;
            Interlocked.Decrement(ref inFlight);
            await context.Response.WriteAsync("ip\n192.0.2.1\n");
        };
        await using var busy = await FeedServer.StartAsync(holding);
        await using var other = await FeedServer.StartAsync(context => context.Response.WriteAsync("other"));
        using var first = Client(new HttpCollectorOptions { HttpHostConcurrency = 2 });
        using var second = Client(new HttpCollectorOptions { HttpHostConcurrency = 3 });

        var downloads = new[] { first, second, first, second }.Select(c => GetAsync(c, busy.Url("feed.csv"))).ToList();
        await Eventually.WaitForAsync("two requests at the busy host", () => busy.Requests.Count == 2, Token);
        Assert.Equal("other", await GetAsync(second, other.Url("feed.csv")));
        for (var answered = 0; answered < 4; answered++)
        {
            await Eventually.WaitForAsync("a held request", () => !held.IsEmpty, Token);
            Assert.True(held.TryDequeue(out var release));
            release.SetResult();
        }

        Assert.All(await Task.WhenAll(downloads), body => Assert.Equal("ip\n192.0.2.1\n", body));
        Assert.Equal((4, 2), (busy.Requests.Count, most));
    }

    [Fact]
    public async Task Requests_to_one_host_start_no_closer_together_than_http_host_rate_allows()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync("ip\n"));
        using var first = Client(new HttpCollectorOptions { HttpHostRate = 0.5 }, clock);
        using var second = Client(new HttpCollectorOptions(), clock);

        var downloads = new[] { first, second, first }.Select(c => GetAsync(c, server.Url("feed.csv"))).ToList();
        await Eventually.WaitForAsync("the first request", () => server.Requests.Count == 1, Token);
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(server.Requests);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.WaitForAsync("the second request, 2 s later", () => server.Requests.Count == 2, Token);
        clock.Advance(TimeSpan.FromSeconds(2));
        await Task.WhenAll(downloads);

        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public async Task A_hosts_Retry_After_keeps_every_collector_of_the_process_away_until_it_ends()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await FeedServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            context.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        });
        using var first = Client(new HttpCollectorOptions(), clock);
        using var second = Client(new HttpCollectorOptions(), clock);

        var refused = await Assert.ThrowsAsync<IntelMQ.Contract.TransientException>(() => GetAsync(first, server.LocalhostUrl("feed.csv")));
        clock.Advance(TimeSpan.FromSeconds(30));
        var kept = await Assert.ThrowsAsync<IntelMQ.Contract.TransientException>(() => GetAsync(second, server.LocalhostUrl("other.csv")));

        Assert.Equal((TimeSpan.FromSeconds(120), TimeSpan.FromSeconds(90)), (refused.RetryAfter, kept.RetryAfter));
        Assert.Contains("Retry-After", kept.Message);
        Assert.Single(server.Requests);
        clock.Advance(TimeSpan.FromSeconds(90));
        await Assert.ThrowsAsync<IntelMQ.Contract.TransientException>(() => GetAsync(second, server.LocalhostUrl("other.csv")));
        Assert.Equal(2, server.Requests.Count);
    }

    static void InterlockedMax(ref int target, int value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            if (Interlocked.CompareExchange(ref target, value, seen) == seen) return;
    }
}

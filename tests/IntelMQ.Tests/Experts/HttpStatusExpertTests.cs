using System.Collections.Concurrent;
using IntelMQ.Core;
using IntelMQ.Experts.Http;
using IntelMQ.Tests.Channels;
using IntelMQ.Tests.Collectors;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts;

public sealed class HttpStatusExpertTests
{
    /// <summary>/NNN answers status NNN, /redirect sends to /200, /slow never answers in time, /broken drops the connection, /halfway in the body; counts requests at once.</summary>
    sealed class Site
    {
        int _inFlight;
        public TimeSpan Delay { get; set; }
        public int MaxInFlight { get; private set; }
        public ConcurrentQueue<string> Asked { get; } = new();

        public async Task AnswerAsync(HttpContext context)
        {
            var path = context.Request.Path.Value!;
            Asked.Enqueue(path);
            var now = Interlocked.Increment(ref _inFlight);
            lock (Asked) MaxInFlight = Math.Max(MaxInFlight, now);
            try
            {
                if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
                switch (path)
                {
                    case "/redirect": context.Response.Redirect("/200"); break;
                    case "/slow": await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted); break;
                    case "/broken": context.Abort(); break;
                    case "/halfway":
                        context.Response.ContentLength = 1000;
                        await context.Response.WriteAsync("the first part", context.RequestAborted);
                        await context.Response.Body.FlushAsync(context.RequestAborted);
                        context.Abort();
                        break;
                    default:
                        context.Response.StatusCode = int.TryParse(path.AsSpan(1, 3), out var status) ? status : 200;
                        await context.Response.WriteAsync("page", context.RequestAborted);
                        break;
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    static HttpStatusExpert Expert(HttpStatusExpertOptions? options = null, bool allowPrivateAddresses = true) =>
        new((options ?? new()) with { AllowPrivateAddresses = allowPrivateAddresses }, ProgramContext.Default);

    static async Task<Event> Process(HttpStatusExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    [Fact]
    public async Task A_url_answering_200_is_online_and_one_answering_404_offline()
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);
        var fields = new[] { ("source.url.full", (object)server.Url("200")), ("destination.url.full", server.Url("404")) };

        var source = await Process(Expert(), fields);
        var destination = await Process(Expert(new() { Field = "destination.url" }), fields);

        Assert.Equal("online", source["status"]);
        Assert.Equal("offline", destination["status"]);
        Assert.False(destination.Contains("custom.reason"));
    }

    [Fact]
    public async Task A_redirect_to_a_page_that_answers_is_online()
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);

        var ev = await Process(Expert(new() { SuccessStatusCodes = ["200"] }), ("source.url.full", server.Url("redirect")));

        Assert.Equal("online", ev["status"]);
        Assert.Equal(new[] { "/redirect", "/200" }, site.Asked);
    }

    [Fact]
    public async Task Success_status_codes_say_what_is_online()
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);
        var expert = Expert(new() { SuccessStatusCodes = ["200", "403"] });

        Assert.Equal("online", (await Process(expert, ("source.url.full", server.Url("403"))))["status"]);
        Assert.Equal("offline", (await Process(expert, ("source.url.full", server.Url("204"))))["status"]);
    }

    [Fact]
    public async Task Without_overwrite_an_event_with_a_status_is_not_checked()
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);

        var ev = await Process(Expert(), ("source.url.full", server.Url("404")), ("status", "online"));

        Assert.Equal("online", ev["status"]);
        Assert.Empty(site.Asked);
    }

    [Fact]
    public async Task With_overwrite_the_status_is_replaced()
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);

        var ev = await Process(Expert(new() { Overwrite = true }), ("source.url.full", server.Url("404")), ("status", "online"));

        Assert.Equal("offline", ev["status"]);
    }

    [Fact]
    public async Task A_url_at_a_private_address_is_not_fetched_unless_allowed()
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);

        var ev = await Process(Expert(allowPrivateAddresses: false), ("source.url.full", server.Url("200")));

        Assert.False(ev.Contains("status"));
        Assert.Empty(site.Asked);
    }

    [Fact]
    public async Task A_server_that_refuses_the_connection_is_offline_with_the_reason()
    {
        var ev = await Process(Expert(), ("source.url.full", $"http://127.0.0.1:{RedisServer.FreePort()}/"));

        Assert.Equal("offline", ev["status"]);
        Assert.Contains("no server at", (string)ev["custom.reason"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("slow")]
    [InlineData("broken")]
    [InlineData("halfway")]
    public async Task A_server_that_does_not_answer_in_time_or_breaks_the_answer_leaves_the_event_unchanged(string path)
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);

        var ev = await Process(Expert(new() { Timeout = 0.3 }), ("source.url.full", server.Url(path)));

        Assert.False(ev.Contains("status"));
    }

    [Fact]
    public async Task A_url_that_is_not_http_is_not_checked()
    {
        var ev = await Process(Expert(), ("source.url.full", "ftp://192.0.2.1/file"));

        Assert.False(ev.Contains("status"));
    }

    [Fact]
    public async Task A_verdict_in_the_cache_is_not_fetched_again()
    {
        var site = new Site();
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);
        var expert = Expert();

        await Process(expert, ("source.url.full", server.Url("200")));
        var ev = await Process(expert, ("source.url.full", server.Url("200")));

        Assert.Equal("online", ev["status"]);
        Assert.Single(site.Asked);
    }

    [Fact]
    public async Task No_more_requests_run_at_once_than_connections_per_server()
    {
        var site = new Site { Delay = TimeSpan.FromMilliseconds(50) };
        await using var server = await FeedServer.StartAsync(site.AnswerAsync);
        var expert = Expert(new() { ConnectionsPerServer = 2 });

        var events = await Task.WhenAll(Enumerable.Range(1, 12).Select(i => Process(expert, ("source.url.full", server.Url($"200?page={i}")))));

        Assert.All(events, ev => Assert.Equal("online", ev["status"]));
        Assert.Equal(12, site.Asked.Count);
        Assert.InRange(site.MaxInFlight, 1, 2);
    }

    [Fact]
    public void A_status_code_that_is_not_a_number_is_refused_at_start() =>
        Assert.Throws<ConfigurationException>(() => Expert(new() { SuccessStatusCodes = ["ok"] }));
}

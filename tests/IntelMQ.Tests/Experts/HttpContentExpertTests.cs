using IntelMQ.Core;
using IntelMQ.Experts.Http;
using IntelMQ.Tests.Collectors;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts;

public sealed class HttpContentExpertTests
{
    static HttpContentExpert Expert(string needle, double timeout = 5) =>
        new(new() { Needle = needle, AllowPrivateAddresses = true, Timeout = timeout }, ProgramContext.Default);

    static async Task<Event> Process(HttpContentExpert expert, string url)
    {
        var ev = Event.Create();
        ev.Add("source.url.full", url);
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    static Task<FeedServer> Site() => FeedServer.StartAsync(async context =>
    {
        if (context.Request.Path == "/slow") await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        context.Response.ContentType = "text/html; charset=iso-8859-1";
        await context.Response.Body.WriteAsync(System.Text.Encoding.Latin1.GetBytes("Some response, größer"), context.RequestAborted);
    });

    [Fact]
    public async Task A_page_with_the_needle_is_online()
    {
        await using var server = await Site();

        var ev = await Process(Expert("Some response"), server.Url("foo"));

        Assert.Equal("online", ev["status"]);
        Assert.False(ev.Contains("custom.reason"));
    }

    [Fact]
    public async Task The_page_is_read_in_its_charset()
    {
        await using var server = await Site();

        var ev = await Process(Expert("größer"), server.Url("foo"));

        Assert.Equal("online", ev["status"]);
    }

    [Fact]
    public async Task A_page_without_the_needle_is_offline_with_intelmqs_reason()
    {
        await using var server = await Site();
        var url = server.Url("foo");

        var ev = await Process(Expert("Nonexistent response"), url);

        Assert.Equal("offline", ev["status"]);
        Assert.Equal($"Text Nonexistent response not found in response from {url}", ev["custom.reason"]);
    }

    [Fact]
    public async Task A_page_that_does_not_answer_in_time_leaves_the_event_unchanged()
    {
        await using var server = await Site();

        var ev = await Process(Expert("Some response", timeout: 0.3), server.Url("slow"));

        Assert.False(ev.Contains("status"));
    }

    [Fact]
    public void An_empty_needle_is_refused_at_start() =>
        Assert.Throws<ConfigurationException>(() => Expert(""));
}

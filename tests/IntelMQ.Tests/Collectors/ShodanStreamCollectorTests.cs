using System.Text.Json.Nodes;
using IntelMQ.Collectors.Shodan;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The Shodan stream collector against a server in the test answering as Shodan's streaming API does: newline-delimited banners with empty keep-alive lines.</summary>
public sealed class ShodanStreamCollectorTests : IDisposable
{
    const string Key = "shodan-test-key";
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static ShodanStreamCollectorOptions Options(FeedServer server) => new() { ApiKey = new(Key), ApiUrl = server.Url("") };

    static async Task Answer(HttpContext context)
    {
        if (context.Request.Query["key"] != Key)
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("{\"error\": \"Invalid API key\"}");
            return;
        }
        context.Response.ContentType = "application/json";
        foreach (var line in new[] { """{"ip_str": "192.0.2.1", "port": 22, "location": {"country_code": "AT"}}""", "", """{"ip_str": "192.0.2.2", "port": 80, "location": {"country_code": "DE"}}""" })
        {
            await context.Response.WriteAsync(line + "\n");
            await context.Response.Body.FlushAsync();
        }
    }

    [Fact]
    public async Task Every_banner_of_a_country_stream_becomes_a_report_and_keep_alives_are_skipped()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        var summary = await _run.CollectAsync("intelmq.bots.collectors.shodan.collector_stream", Options(server) with { Countries = ["at, de"] }, Token);

        Assert.Equal(2, summary.Events);
        var reports = _run.Reports();
        Assert.Equal(["192.0.2.1", "192.0.2.2"], reports.Select(r => (string?)JsonNode.Parse((string)r["event.original"]!)!["ip_str"]));
        Assert.All(reports, r => Assert.Equal(server.Url("shodan/countries/AT,DE"), r["feed.url"]));
        Assert.StartsWith("GET /shodan/countries/AT,DE?key=", server.Requests.Single().Request);
    }

    [Fact]
    public async Task An_alert_streams_its_banners()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        Assert.Equal(2, (await _run.CollectAsync("shodan-stream-collector", Options(server) with { Alert = "OYPRB8IR9Z35AZPR" }, Token)).Events);

        Assert.StartsWith("GET /shodan/alert/OYPRB8IR9Z35AZPR?key=", server.Requests.Single().Request);
    }

    [Fact]
    public async Task A_refused_key_is_reported_without_the_key()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("shodan-stream-collector", Options(server) with { ApiKey = new("wrong-key") }, Token));

        Assert.Contains("401", error.Message);
        Assert.DoesNotContain("wrong-key", error.Message);
    }

    [Fact]
    public void Countries_and_alert_together_are_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => new ShodanStreamCollector(new ShodanStreamCollectorOptions { ApiKey = new(Key), Countries = ["AT"], Alert = "all" }, ProgramContext.Default));

        Assert.Contains("either 'countries' or 'alert'", error.Message);
    }
}

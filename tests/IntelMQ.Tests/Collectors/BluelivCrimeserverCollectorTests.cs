using System.Text.Json.Nodes;
using IntelMQ.Collectors.Blueliv;
using IntelMQ.Parsers.Blueliv;
using IntelMQ.Tests.Parsers;

namespace IntelMQ.Tests.Collectors;

/// <summary>The Blueliv Crimeserver collector against a server in the test answering as Blueliv's API answers its Python SDK (<see cref="BluelivServer"/>).</summary>
public sealed class BluelivCrimeserverCollectorTests : IDisposable
{
    readonly CollectorRun _run = new();
    readonly BluelivServer _api = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static BluelivCrimeserverCollectorOptions Options(FeedServer server, string key = BluelivServer.Key) => new() { ApiKey = new(key), ApiUrl = server.Url("") };

    [Fact]
    public async Task The_crime_servers_are_one_report_that_the_Blueliv_parser_reads()
    {
        await using var server = await FeedServer.StartAsync(_api.AnswerAsync);

        Assert.Equal(1, (await _run.CollectAsync("intelmq.bots.collectors.blueliv.collector_crimeserver", Options(server), Token)).Events);

        var report = Assert.Single(_run.Reports());
        Assert.Equal(_api.Servers.ToJsonString(), JsonNode.Parse((string)report["event.original"]!)!.ToJsonString());
        Assert.Equal(server.Url("v1/crimeserver/online"), report["feed.url"]);
        var parsed = CollectingEmitter.Run(new BluelivCrimeserverParser(), (string)report["event.original"]!, ("feed.name", "CrimeServer"));
        Assert.Empty(parsed.Rejected);
        Assert.Equal(["malware-distribution", "phishing"], parsed.Events.Select(e => (string)e["classification.type"]!));
        Assert.Equal(["192.0.2.54", "198.51.100.7"], parsed.Events.Select(e => (string)e["source.ip"]!));
        Assert.Equal("http://bank.example.net/login/", parsed.Events[1]["source.url.full"]);
    }

    [Fact]
    public async Task An_unchanged_list_is_not_sent_again_and_a_changed_one_is()
    {
        await using var server = await FeedServer.StartAsync(_api.AnswerAsync);

        Assert.Equal(1, (await _run.CollectAsync("blueliv-crimeserver-collector", Options(server), Token)).Events);
        Assert.Equal(0, (await _run.CollectAsync("blueliv-crimeserver-collector", Options(server), Token)).Events);
        _api.Servers.Add(BluelivServer.Server("203.0.113.9", "C_AND_C", "http://c2.example.org/gate.php"));
        Assert.Equal(1, (await _run.CollectAsync("blueliv-crimeserver-collector", Options(server), Token)).Events);

        Assert.Equal([2, 3], _run.Reports().Select(r => JsonNode.Parse((string)r["event.original"]!)!.AsArray().Count));
    }

    [Fact]
    public async Task Feed_type_chooses_the_list_asked_for()
    {
        await using var server = await FeedServer.StartAsync(_api.AnswerAsync);

        await _run.CollectAsync("blueliv-crimeserver-collector", Options(server) with { FeedType = "recent" }, Token);

        Assert.Equal("GET /v1/crimeserver/recent", Assert.Single(server.Requests).Request);
        Assert.Equal("application/json", server.Requests.Single().Headers["Accept"]);
    }

    [Fact]
    public async Task An_empty_list_sends_nothing()
    {
        _api.Servers = [];
        await using var server = await FeedServer.StartAsync(_api.AnswerAsync);

        Assert.Equal(0, (await _run.CollectAsync("blueliv-crimeserver-collector", Options(server), Token)).Events);
        Assert.Null(_run.State("sha256"));
    }

    [Fact]
    public async Task A_refused_token_fails_the_run_and_stores_nothing()
    {
        await using var server = await FeedServer.StartAsync(_api.AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("blueliv-crimeserver-collector", Options(server, "wrong"), Token));

        Assert.Contains("401", error.Message);
        Assert.Empty(_run.Reports());
        Assert.Null(_run.State("sha256"));
    }

    [Fact]
    public async Task A_server_error_is_retried_by_a_daemon_and_the_list_arrives_once()
    {
        _api.Busy(2);
        await using var server = await FeedServer.StartAsync(_api.AnswerAsync);

        var summary = await _run.DaemonAsync("blueliv-crimeserver-collector", Options(server), () => _run.State("sha256") is not null, Token);

        Assert.Equal(1, summary.Events);
        Assert.Single(_run.Reports());
        Assert.Equal(3, server.Requests.Count);
    }

    [Fact]
    public void An_unknown_feed_type_is_refused_naming_the_known_ones()
    {
        var error = Assert.Throws<ConfigurationException>(() => new BluelivCrimeserverCollector(new() { ApiKey = new(BluelivServer.Key), FeedType = "archive" }, ProgramContext.Default));

        Assert.Contains("feed_type 'archive' is not one of online, recent, last", error.Message);
    }
}

using System.Text.Json.Nodes;
using IntelMQ.Collectors.Misp;

namespace IntelMQ.Tests.Collectors;

/// <summary>The MISP collector against a server in the test answering as MISP's REST API does.</summary>
public sealed class MispCollectorTests : IDisposable
{
    const string ToProcess = "intelmq:to_process", Processed = "intelmq:processed";
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static MispCollectorOptions Options(FeedServer server) => new()
    {
        MispUrl = server.Url(""), MispKey = new(MispServer.Key), MispTagToProcess = ToProcess, MispTagProcessed = Processed,
    };

    sealed class NoState : ICollectorState
    {
        public string? Get(string key) => null;
    }

    [Fact]
    public async Task Tagged_events_are_handed_on_once_each_and_retagged_after_the_hand_off()
    {
        var misp = new MispServer();
        misp.AddEvent("1", "5f6e0c2a-0000-4000-8000-000000000001", ToProcess, "tlp:green");
        misp.AddEvent("2", "5f6e0c2a-0000-4000-8000-000000000002", "tlp:green");
        misp.AddEvent("3", "5f6e0c2a-0000-4000-8000-000000000003", ToProcess);
        await using var server = await FeedServer.StartAsync(misp.AnswerAsync);

        Assert.Equal(2, (await _run.CollectAsync("misp-collector", Options(server), Token)).Events);
        Assert.Equal(0, (await _run.CollectAsync("misp-collector", Options(server), Token)).Events);

        var reports = _run.Reports();
        Assert.Equal(["1", "3"], reports.Select(r => (string?)JsonNode.Parse((string)r["event.original"]!)!["id"]));
        Assert.Equal("192.0.2.1", (string?)JsonNode.Parse((string)reports[0]["event.original"]!)!["Attribute"]![0]!["value"]);
        Assert.All(reports, r => Assert.Equal(server.Url(""), r["feed.url"]));
        Assert.Equal(["tlp:green", Processed], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000001"));
        Assert.Equal(["tlp:green"], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000002"));
        Assert.Equal([Processed], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000003"));
    }

    [Fact]
    public async Task An_event_not_handed_on_keeps_its_tag_and_comes_again()
    {
        var misp = new MispServer();
        misp.AddEvent("1", "5f6e0c2a-0000-4000-8000-000000000001", ToProcess);
        await using var server = await FeedServer.StartAsync(misp.AnswerAsync);
        using var collector = new MispCollector(Options(server), ProgramContext.Default);

        // Collected, but never handed on: its commit is not run.
        await foreach (var report in collector.CollectAsync(new NoState(), Token)) await report.DisposeAsync();
        Assert.Equal([ToProcess], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000001"));

        var again = new List<CollectedReport>();
        await foreach (var report in collector.CollectAsync(new NoState(), Token)) again.Add(report);
        await again.Single().Commit!(Token);
        Assert.Equal([Processed], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000001"));
    }

    [Fact]
    public async Task An_event_MISP_refuses_to_retag_keeps_its_tag_and_comes_again()
    {
        var misp = new MispServer();
        misp.AddEvent("1", "5f6e0c2a-0000-4000-8000-000000000001", ToProcess);
        misp.UnknownTags.Add(Processed);
        await using var server = await FeedServer.StartAsync(misp.AnswerAsync);

        Assert.Equal(1, (await _run.CollectAsync("misp-collector", Options(server), Token)).Events);
        Assert.Contains("Invalid Tag intelmq:processed", _run.Log.ToString());
        Assert.Equal([ToProcess], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000001"));

        misp.UnknownTags.Clear();
        Assert.Equal(1, (await _run.CollectAsync("misp-collector", Options(server), Token)).Events);
        Assert.Equal([Processed], misp.TagsOf("5f6e0c2a-0000-4000-8000-000000000001"));
    }

    [Fact]
    public async Task A_wrong_key_is_refused()
    {
        await using var server = await FeedServer.StartAsync(new MispServer().AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("misp-collector", Options(server) with { MispKey = new("wrong") }, Token));

        Assert.Contains("403", error.Message);
    }
}

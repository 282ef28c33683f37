using IntelMQ.Collectors.Eset;
using IntelMQ.Parsers.Eset;
using IntelMQ.Tests.Parsers;

namespace IntelMQ.Tests.Collectors;

/// <summary>The ESET collector against a TAXII 1.1 server that checks its requests against the XML message and HTTP protocol bindings.</summary>
public sealed class EsetCollectorTests : IDisposable
{
    static readonly DateTimeOffset Recent = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600);
    readonly CollectorRun _run = new();
    readonly Taxii11Server _taxii = new();

    public EsetCollectorTests()
    {
        _taxii.Blocks.Add((Recent, "[{\"url\": \"http://malicious.example/a\"}]"));
        _taxii.Blocks.Add((Recent.AddSeconds(1), "[{\"url\": \"http://malicious.example/b\"}]"));
    }

    public void Dispose() => _run.Dispose();

    static EsetCollectorOptions Options(FeedServer server, string password = Taxii11Server.Password) => new()
    {
        Username = Taxii11Server.User, Password = new(password), Endpoint = server.Url(""), Collection = Taxii11Server.Collection,
    };

    List<System.Xml.Linq.XElement> Polls() => _taxii.Requests.Where(r => r.Name == Taxii11Server.Taxii + "Poll_Request").ToList();

    [Fact]
    public async Task Every_content_block_of_every_part_is_a_report_of_its_feed_and_the_next_run_polls_from_the_last_end()
    {
        await using var server = await FeedServer.StartAsync(_taxii.AnswerAsync);

        await _run.CollectAsync("intelmq.bots.collectors.eset.collector", Options(server), TestContext.Current.CancellationToken);
        await _run.CollectAsync("eset-collector", Options(server), TestContext.Current.CancellationToken);

        var reports = _run.Reports();
        Assert.Equal(["[{\"url\": \"http://malicious.example/a\"}]", "[{\"url\": \"http://malicious.example/b\"}]"], reports.Select(r => (string)r["event.original"]!));
        Assert.All(reports, r => Assert.Equal((Taxii11Server.Collection, server.Url("taxiiservice/discovery")), (r["custom.eset_feed"], r["feed.url"])));
        var polls = Polls();
        Assert.Equal(2, polls.Count);
        Assert.Equal((string?)polls[0].Element(Taxii11Server.Taxii + "Inclusive_End_Timestamp"), (string?)polls[1].Element(Taxii11Server.Taxii + "Exclusive_Begin_Timestamp"));
        var first = Taxii11Server.Parse((string)polls[0].Element(Taxii11Server.Taxii + "Exclusive_Begin_Timestamp")!);
        Assert.Equal(TimeSpan.FromHours(1), Taxii11Server.Parse((string)polls[0].Element(Taxii11Server.Taxii + "Inclusive_End_Timestamp")!) - first);
        Assert.Equal(["Discovery_Request", "Poll_Request", "Poll_Fulfillment", "Discovery_Request", "Poll_Request"], _taxii.Requests.Select(r => r.Name.LocalName));
    }

    [Fact]
    public async Task A_collected_report_is_one_the_ESET_parser_takes()
    {
        await using var server = await FeedServer.StartAsync(_taxii.AnswerAsync);

        await _run.CollectAsync("eset-collector", Options(server), TestContext.Current.CancellationToken);

        var report = _run.Reports()[0];
        var output = new CollectingEmitter();
        new EsetParser().Parse(report, new StringReader((string)report["event.original"]!), output);
        Assert.Empty(output.Rejected);
        Assert.Equal("http://malicious.example/a", Assert.Single(output.Events)["source.url.full"]);
    }

    [Fact]
    public async Task The_poll_service_is_the_one_the_discovery_service_names()
    {
        _taxii.PollPath = "/services/poll-eti";
        await using var server = await FeedServer.StartAsync(_taxii.AnswerAsync);

        await _run.CollectAsync("eset-collector", Options(server), TestContext.Current.CancellationToken);

        Assert.Equal(2, _run.Reports().Count);
        Assert.Contains(server.Requests, r => r.Request == "POST /services/poll-eti");
    }

    [Fact]
    public async Task The_next_window_begins_where_the_server_says_it_considered_content()
    {
        _taxii.Now = Recent.AddMinutes(1);
        await using var server = await FeedServer.StartAsync(_taxii.AnswerAsync);

        await _run.CollectAsync("eset-collector", Options(server), TestContext.Current.CancellationToken);

        Assert.Equal(_taxii.Now, Taxii11Server.Parse(_run.State("end")!));
    }

    [Fact]
    public async Task A_poll_without_blocks_stores_its_end_and_the_next_run_polls_from_there()
    {
        _taxii.Blocks.Clear();
        _taxii.Now = Recent;
        await using var server = await FeedServer.StartAsync(_taxii.AnswerAsync);

        await _run.CollectAsync("eset-collector", Options(server), TestContext.Current.CancellationToken);
        Assert.Empty(_run.Reports());
        Assert.Equal(Recent, Taxii11Server.Parse(_run.State("end")!));
        _taxii.Now = null;
        _taxii.Blocks.Add((Recent.AddSeconds(1), "[{\"url\": \"http://malicious.example/c\"}]"));
        await _run.CollectAsync("eset-collector", Options(server), TestContext.Current.CancellationToken);

        var polls = Polls();
        Assert.Equal(2, polls.Count);
        Assert.Equal(Recent, Taxii11Server.Parse((string)polls[1].Element(Taxii11Server.Taxii + "Exclusive_Begin_Timestamp")!));
        Assert.Equal(["[{\"url\": \"http://malicious.example/c\"}]"], _run.Reports().Select(r => (string)r["event.original"]!));
    }

    [Fact]
    public async Task A_refused_login_fails_the_run_with_the_TAXII_status()
    {
        await using var server = await FeedServer.StartAsync(_taxii.AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("eset-collector", Options(server, "wrong"), TestContext.Current.CancellationToken));

        Assert.Contains("UNAUTHORIZED: Authentication failed", error.Message);
        Assert.Null(_run.State("end"));
    }
}

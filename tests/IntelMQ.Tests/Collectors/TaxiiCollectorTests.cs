using System.Text.Json.Nodes;
using IntelMQ.Collectors.Taxii;

namespace IntelMQ.Tests.Collectors;

/// <summary>The TAXII 2.1 collector against a TAXII endpoint in the test serving the STIX examples of shared/data/stix in pages.</summary>
public sealed class TaxiiCollectorTests : IDisposable
{
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static TaxiiCollectorOptions Options(FeedServer server) => new()
    {
        TaxiiUrl = server.Url("taxii2/"), Collection = TaxiiServer.CollectionTitle, HttpUsername = "intelmq", HttpPassword = new("secret"), Limit = 50,
    };

    static List<string> Ids(JsonNode bundle) => [.. bundle["objects"]!.AsArray().Select(o => (string)o!["id"]!)];

    [Fact]
    public async Task Every_page_is_a_bundle_and_the_next_run_asks_only_for_what_was_added_after_the_last()
    {
        var taxii = new TaxiiServer();
        await using var server = await FeedServer.StartAsync(taxii.AnswerAsync);

        var first = await _run.CollectAsync("taxii-collector", Options(server), Token);
        var bundles = _run.Reports().Select(r => JsonNode.Parse((string)r["event.original"]!)!).ToList();
        Assert.Equal((taxii.Ids.Count + 49) / 50, first.Events);
        Assert.All(bundles, b => Assert.Equal("bundle", (string?)b["type"]));
        Assert.All(bundles, b => Assert.StartsWith("bundle--", (string?)b["id"]));
        Assert.Equal(taxii.Ids, bundles.SelectMany(Ids));
        Assert.All(_run.Reports(), r => Assert.Equal(server.Url($"api1/collections/{TaxiiServer.CollectionId}/objects/"), r["feed.url"]));

        Assert.Equal(0, (await _run.CollectAsync("taxii-collector", Options(server), Token)).Events);
        var lastAdded = _run.State("added_after");
        Assert.Contains($"added_after={Uri.EscapeDataString(lastAdded!)}", server.Requests.Last().Request);

        taxii.Add(new JsonObject { ["type"] = "indicator", ["spec_version"] = "2.1", ["id"] = "indicator--00000000-0000-4000-8000-000000000001" });
        Assert.Equal(1, (await _run.CollectAsync("taxii-collector", Options(server), Token)).Events);
        Assert.Equal(["indicator--00000000-0000-4000-8000-000000000001"], Ids(JsonNode.Parse((string)_run.Reports()[^1]["event.original"]!)!));
    }

    [Fact]
    public async Task Requests_ask_for_TAXII_2_1_and_follow_the_servers_next()
    {
        var taxii = new TaxiiServer();
        await using var server = await FeedServer.StartAsync(taxii.AnswerAsync);

        await _run.CollectAsync("taxii-collector", Options(server), Token);

        var pages = server.Requests.Where(r => r.Request.Contains("/objects/")).ToList();
        Assert.All(server.Requests, r => Assert.Equal("application/taxii+json;version=2.1", r.Headers["Accept"]));
        Assert.Equal(["GET /api1/collections/" + TaxiiServer.CollectionId + "/objects/?limit=50", "GET /api1/collections/" + TaxiiServer.CollectionId + "/objects/?limit=50&next=50"],
            pages.Take(2).Select(p => p.Request));
    }

    [Fact]
    public async Task Without_next_the_pages_go_on_from_the_last_date_added()
    {
        var taxii = new TaxiiServer { GivesNext = false };
        await using var server = await FeedServer.StartAsync(taxii.AnswerAsync);

        await _run.CollectAsync("taxii-collector", Options(server), Token);

        Assert.Equal(taxii.Ids, _run.Reports().SelectMany(r => Ids(JsonNode.Parse((string)r["event.original"]!)!)));
        Assert.DoesNotContain(server.Requests, r => r.Request.Contains("next="));
    }

    [Fact]
    public async Task An_api_root_and_a_collection_id_may_be_given_directly_with_a_bearer_token()
    {
        var taxii = new TaxiiServer();
        await using var server = await FeedServer.StartAsync(taxii.AnswerAsync);

        await _run.CollectAsync("taxii-collector", new TaxiiCollectorOptions
        {
            TaxiiUrl = server.Url("api1"), Collection = TaxiiServer.CollectionId, Token = new(TaxiiServer.Token), Limit = 1000,
        }, Token);

        Assert.Single(_run.Reports());
        Assert.DoesNotContain(server.Requests, r => r.Request.StartsWith("GET /taxii2/"));
    }

    [Fact]
    public async Task An_unknown_collection_is_refused_naming_the_collections_there_are()
    {
        await using var server = await FeedServer.StartAsync(new TaxiiServer().AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("taxii-collector", Options(server) with { Collection = "Nope" }, Token));

        Assert.Contains($"{TaxiiServer.CollectionTitle} ({TaxiiServer.CollectionId})", error.Message);
    }

    [Fact]
    public async Task Wrong_credentials_are_refused_and_nothing_is_stored()
    {
        await using var server = await FeedServer.StartAsync(new TaxiiServer().AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("taxii-collector", Options(server) with { HttpPassword = new("wrong") }, Token));

        Assert.Contains("401", error.Message);
        Assert.Null(_run.State("added_after"));
    }
}

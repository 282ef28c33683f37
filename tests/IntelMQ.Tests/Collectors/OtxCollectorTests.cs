using System.Text.Json.Nodes;
using IntelMQ.Collectors.AlienVault;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The OTX collector against a server in the test answering as OTX's DirectConnect API does (pulses/subscribed, paged by next).</summary>
public sealed class OtxCollectorTests : IDisposable
{
    const string Key = "otx-test-key";
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static OtxCollectorOptions Options(FeedServer server) => new() { ApiKey = new(Key), ApiUrl = server.Url("api/v1/") };

    static JsonObject Pulse(int n) => new()
    {
        ["id"] = $"55e6bfb14637f22cb60574{n:00}", ["name"] = $"pulse {n}", ["author_name"] = "AlienVault", ["modified"] = "2015-09-02T09:22:22.976000",
        ["indicators"] = new JsonArray(new JsonObject { ["indicator"] = $"192.0.2.{n}", ["type"] = "IPv4" }),
    };

    /// <summary>Three pulses, two per page; with modified_since only the third.</summary>
    static async Task Answer(HttpContext context)
    {
        if (context.Request.Headers["X-OTX-API-KEY"] != Key)
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync("{\"detail\": \"Authentication required\"}");
            return;
        }
        var since = context.Request.Query["modified_since"].ToString();
        var all = since.Length > 0 ? new[] { Pulse(3) } : [Pulse(1), Pulse(2), Pulse(3)];
        var page = int.TryParse(context.Request.Query["page"], out var p) ? p : 1;
        var more = all.Length > page * 2;
        var next = more ? $"http://{context.Request.Host}/api/v1/pulses/subscribed?limit=2&page={page + 1}" + (since.Length > 0 ? "&modified_since=" + since : "") : null;
        var answer = new JsonObject
        {
            ["count"] = all.Length, ["next"] = next, ["previous"] = null,
            ["results"] = new JsonArray([.. all.Skip((page - 1) * 2).Take(2)]),
        };
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    [Fact]
    public async Task All_pages_of_subscribed_pulses_become_one_report_of_the_pulses_list()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        Assert.Equal(1, (await _run.CollectAsync("intelmq.bots.collectors.alienvault_otx.collector", Options(server), Token)).Events);

        var report = _run.Reports().Single();
        var pulses = JsonNode.Parse((string)report["event.original"]!)!.AsArray();
        Assert.Equal(["pulse 1", "pulse 2", "pulse 3"], pulses.Select(p => (string?)p!["name"]));
        Assert.Equal(server.Url("api/v1/pulses/subscribed"), report["feed.url"]);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task Unchanged_pulses_are_not_sent_again()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        Assert.Equal(1, (await _run.CollectAsync("otx-collector", Options(server), Token)).Events);
        Assert.Equal(0, (await _run.CollectAsync("otx-collector", Options(server), Token)).Events);
    }

    [Fact]
    public async Task Modified_pulses_only_asks_from_the_last_run_handed_on()
    {
        await using var server = await FeedServer.StartAsync(Answer);
        var options = Options(server) with { ModifiedPulsesOnly = true, Interval = 2 };

        Assert.Equal(1, (await _run.CollectAsync("otx-collector", options, Token)).Events);

        var since = _run.State("modified_since");
        Assert.NotNull(since);
        Assert.Equal(["pulse 3"], JsonNode.Parse((string)_run.Reports().Single()["event.original"]!)!.AsArray().Select(p => (string?)p!["name"]));
        var first = server.Requests.First().Request;
        Assert.Contains("modified_since=", first);
        Assert.True(DateTime.Parse(Uri.UnescapeDataString(first.Split("modified_since=")[1])) < DateTime.Parse(since));

        Assert.Equal(1, (await _run.CollectAsync("otx-collector", options, Token)).Events);
        Assert.EndsWith("modified_since=" + Uri.EscapeDataString(since), server.Requests.Last().Request);
    }

    [Fact]
    public async Task A_wrong_key_is_refused()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("otx-collector", Options(server) with { ApiKey = new("wrong") }, Token));

        Assert.Contains("403", error.Message);
    }
}

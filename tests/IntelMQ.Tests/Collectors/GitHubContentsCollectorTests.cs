using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Collectors.GitHub;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The GitHub contents collector against a server in the test answering as GitHub's contents API does (listings with sha and download_url, raw downloads).</summary>
public sealed class GitHubContentsCollectorTests : IDisposable
{
    const string Token = "ghp_test";
    readonly CollectorRun _run = new();
    readonly Dictionary<string, string> _files = new()
    {
        ["README.md"] = "# IOCs",
        ["02-12-19/JSON/IOC_TA505_Nov19_2.json"] = """[{"Indicator": "10.0.0.1", "Description": "IP C2"}]""",
        ["02-12-19/CSV/IOC_TA505_Nov19_2.csv"] = "Indicator,Description\n10.0.0.1,IP C2\n",
    };

    public void Dispose() => _run.Dispose();

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static GitHubContentsCollectorOptions Options(FeedServer server) => new()
    {
        Repository = "StrangerealIntel/DailyIOC", Regex = @"\.json$", PersonalAccessToken = new(Token), ApiUrl = server.Url(""), ExtraFields = ["sha", "size"],
    };

    static string Sha(string content) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(content)));

    async Task Answer(HttpContext context)
    {
        if (context.Request.Headers.Authorization != "token " + Token)
        {
            context.Response.StatusCode = 401;
            await context.Response.WriteAsync("{\"message\": \"Bad credentials\"}");
            return;
        }
        var path = Uri.UnescapeDataString(context.Request.Path.Value!);
        const string contents = "/repos/StrangerealIntel/DailyIOC/contents/", raw = "/raw/";
        if (path.StartsWith(raw))
        {
            await context.Response.WriteAsync(_files[path[raw.Length..]]);
            return;
        }
        var directory = path[contents.Length..].TrimEnd('/');
        var prefix = directory.Length == 0 ? "" : directory + "/";
        var entries = _files.Keys.Where(f => f.StartsWith(prefix)).Select(f => f[prefix.Length..].Split('/')).DistinctBy(p => p[0]).Select(p => (JsonNode)(p.Length == 1
            ? new JsonObject
            {
                ["name"] = p[0], ["path"] = prefix + p[0], ["sha"] = Sha(_files[prefix + p[0]]), ["size"] = _files[prefix + p[0]].Length, ["type"] = "file",
                ["download_url"] = $"http://{context.Request.Host}{raw}{prefix}{p[0]}",
            }
            : new JsonObject { ["name"] = p[0], ["path"] = prefix + p[0], ["type"] = "dir", ["download_url"] = null }));
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonArray([.. entries]).ToJsonString());
    }

    [Fact]
    public async Task Each_matching_file_becomes_a_report_with_its_download_url_once_until_it_changes()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        Assert.Equal(1, (await _run.CollectAsync("intelmq.bots.collectors.github_api.collector_github_contents_api", Options(server), Cancel)).Events);
        Assert.Equal(0, (await _run.CollectAsync("github-contents-collector", Options(server), Cancel)).Events);
        _files["02-12-19/JSON/IOC_TA505_Nov19_2.json"] = """[{"Indicator": "10.0.0.2", "Description": "IP C2"}]""";
        Assert.Equal(1, (await _run.CollectAsync("github-contents-collector", Options(server), Cancel)).Events);

        var reports = _run.Reports();
        Assert.Equal(server.Url("raw/02-12-19/JSON/IOC_TA505_Nov19_2.json"), reports[0]["feed.url"]);
        Assert.Contains("10.0.0.1", (string)reports[0]["event.original"]!);
        Assert.Contains("10.0.0.2", (string)reports[1]["event.original"]!);
        Assert.Equal(Sha(_files["02-12-19/JSON/IOC_TA505_Nov19_2.json"]), (string?)((JsonNode)reports[1]["custom.file_metadata"]!)["sha"]);
    }

    [Fact]
    public async Task A_wrong_token_is_refused()
    {
        await using var server = await FeedServer.StartAsync(Answer);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("github-contents-collector", Options(server) with { PersonalAccessToken = new("wrong") }, Cancel));

        Assert.Contains("401", error.Message);
    }
}

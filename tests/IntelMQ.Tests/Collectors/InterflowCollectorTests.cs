using IntelMQ.Collectors.Interflow;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The Interflow collector against a Kestrel server answering as the retired Interflow file API did.</summary>
public sealed class InterflowCollectorTests : IDisposable
{
    const string Key = "interflow-test-key";
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static InterflowCollectorOptions Options(FeedServer server) => new()
    {
        ApiKey = new(Key), FileMatch = "^ctip_", NotOlderThan = "2 days",
        ListUrl = server.Url("file/api/file/listsharedfiles"), DownloadUrl = server.Url("file/api/file/download?fileName="),
    };

    [Fact]
    public async Task New_matching_files_are_downloaded_with_the_key_once_each()
    {
        var recent = DateTimeOffset.UtcNow.AddHours(-1).ToString("O");
        var old = DateTimeOffset.UtcNow.AddDays(-5).ToString("O");
        var downloads = new List<string>();
        await using var server = await FeedServer.StartAsync(async context =>
        {
            if (context.Request.Headers["Ocp-Apim-Subscription-Key"] != Key)
            {
                context.Response.StatusCode = 401;
                return;
            }
            if (context.Request.Path == "/file/api/file/listsharedfiles")
            {
                await context.Response.WriteAsJsonAsync(new[]
                {
                    new { Name = "ctip_2024-05-01.json.gz", LastModified = recent, Size = 10 },
                    new { Name = "bingmurls_2024-05-01.json", LastModified = recent, Size = 10 },
                    new { Name = "ctip_2024-04-20.json.gz", LastModified = old, Size = 10 },
                });
                return;
            }
            var name = context.Request.Query["fileName"].ToString();
            downloads.Add(name);
            await context.Response.Body.WriteAsync(AzureBlobServer.Gzip($"[{{\"file\": \"{name}\"}}]"));
        });

        await _run.CollectAsync("intelmq.bots.collectors.microsoft.collector_interflow", Options(server), TestContext.Current.CancellationToken);
        await _run.CollectAsync("interflow-collector", Options(server), TestContext.Current.CancellationToken);

        var report = Assert.Single(_run.Reports());
        Assert.Equal(("ctip_2024-05-01.json", "[{\"file\": \"ctip_2024-05-01.json.gz\"}]"), (report["custom.file_name"], report["event.original"]));
        Assert.Equal(["ctip_2024-05-01.json.gz"], downloads);
    }

    [Fact]
    public async Task The_marks_of_files_no_longer_listed_or_out_of_the_window_are_forgotten_and_a_file_handed_on_is_not_fetched_again()
    {
        var recent = DateTimeOffset.UtcNow.AddHours(-1).ToString("O");
        var listed = new Dictionary<string, string> { ["ctip_a.json"] = recent, ["ctip_b.json"] = DateTimeOffset.UtcNow.AddHours(-36).ToString("O"), ["ctip_c.json"] = recent };
        var downloads = new List<string>();
        await using var server = await FeedServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/file/api/file/listsharedfiles")
            {
                await context.Response.WriteAsJsonAsync(listed.Select(f => new { Name = f.Key, LastModified = f.Value }));
                return;
            }
            var name = context.Request.Query["fileName"].ToString();
            downloads.Add(name);
            await context.Response.WriteAsync($"[\"{name}\"]");
        });
        var ct = TestContext.Current.CancellationToken;

        await _run.CollectAsync("interflow-collector", Options(server), ct);
        listed.Remove("ctip_c.json");
        // A day later, as far as ctip_b is concerned: it is out of the window now.
        await _run.CollectAsync("interflow-collector", Options(server) with { NotOlderThan = "1 day" }, ct);
        Assert.Equal(["ctip_a.json"], Marked());
        listed["ctip_d.json"] = recent;
        await _run.CollectAsync("interflow-collector", Options(server) with { NotOlderThan = "1 day" }, ct);

        Assert.Equal(["ctip_a.json", "ctip_d.json"], Marked());
        Assert.Equal(["ctip_b.json", "ctip_a.json", "ctip_c.json", "ctip_d.json"], downloads);
    }

    List<string> Marked() => [.. System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(_run.State("files")!)!.Keys.Order(StringComparer.Ordinal)];
}

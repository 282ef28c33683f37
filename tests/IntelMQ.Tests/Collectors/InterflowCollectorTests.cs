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
}

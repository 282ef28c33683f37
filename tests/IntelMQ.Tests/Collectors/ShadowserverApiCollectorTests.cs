using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Cli;
using IntelMQ.Collectors.Shadowserver;
using IntelMQ.Runtime;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The Shadowserver reports API collector against a Kestrel server that checks every request's HMAC signature as Shadowserver's API does.</summary>
public sealed class ShadowserverApiCollectorTests : IDisposable
{
    public const string Key = "test-key", Secret = "test-secret";
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static string Today => DateTime.UtcNow.ToString("yyyy-MM-dd");

    /// <summary>A reports API: reports/list and reports/download signed with <see cref="Secret"/>, CSV downloads under /dl/.</summary>
    public sealed class ReportsApi
    {
        /// <summary>Called before a CSV download is answered.</summary>
        public Action? Downloading { get; set; }

        public List<(string Id, string Type, string File)> Reports { get; } = [];
        public ConcurrentQueue<JsonObject> Queries { get; } = new();
        public HashSet<string> RefusedDownloads { get; } = [];

        public async Task AnswerAsync(HttpContext context)
        {
            var path = context.Request.Path.Value!;
            if (path.StartsWith("/dl/"))
            {
                var id = path["/dl/".Length..];
                Downloading?.Invoke();
                if (RefusedDownloads.Remove(id) || Reports.All(r => r.Id != id)) { context.Response.StatusCode = 404; return; }
                await context.Response.WriteAsync($"\"timestamp\",\"ip\"\n\"{Today} 01:02:03\",\"192.0.2.{Reports.FindIndex(r => r.Id == id) + 1}\"\n");
                return;
            }
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer);
            var body = buffer.ToArray();
            var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), body));
            if (context.Request.Method != "POST" || context.Request.Headers["HMAC2"] != signature)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("{\"error\": \"Unauthorized: bad HMAC\"}");
                return;
            }
            var query = JsonNode.Parse(body)!.AsObject();
            Queries.Enqueue(query);
            if ((string?)query["apikey"] != Key) { context.Response.StatusCode = 401; return; }
            if (path == "/api2/reports/list")
                await context.Response.WriteAsync(new JsonArray([.. Reports.Select(r => (JsonNode)new JsonObject
                {
                    ["id"] = r.Id, ["report"] = "test-cert", ["type"] = r.Type, ["timestamp"] = Today, ["file"] = r.File,
                })]).ToJsonString());
            else if (path == "/api2/reports/download")
                await context.Response.WriteAsync($"[{{\"timestamp\": \"{Today} 01:02:03\", \"ip\": \"192.0.2.9\", \"id\": \"{query["id"]}\"}}]");
            else context.Response.StatusCode = 404;
        }
    }

    static ShadowserverApiCollectorOptions Options(FeedServer server, string secret = Secret) => new()
    {
        ApiKey = new(Key), Secret = new(secret), Reports = ["test-cert"],
        ApiUrl = server.Url("api2/"), DownloadUrl = server.Url("dl/"),
    };

    [Fact]
    public async Task New_reports_are_handed_on_once_each_named_as_Shadowserver_names_its_files()
    {
        var api = new ReportsApi();
        api.Reports.Add(("a1", "scan_smb", $"{Today}-scan_smb-test-cert-geo.csv"));
        api.Reports.Add(("b2", "device_id", $"{Today}-device_id-test-cert-geo.csv"));
        await using var server = await FeedServer.StartAsync(api.AnswerAsync);
        var options = Options(server);

        Assert.Equal(2, (await _run.CollectAsync("shadowserver-api-collector", options, Token)).Events);
        Assert.Equal(0, (await _run.CollectAsync("shadowserver-api-collector", options, Token)).Events);
        api.Reports.Add(("c3", "scan_smb", $"{Today}-scan_smb-test-cert-geo-1.csv"));
        Assert.Equal(1, (await _run.CollectAsync("shadowserver-api-collector", options, Token)).Events);

        var reports = _run.Reports();
        Assert.Equal([$"{Today}-device_id-test-cert-geo.csv", $"{Today}-scan_smb-test-cert-geo.csv", $"{Today}-scan_smb-test-cert-geo-1.csv"],
            reports.Select(r => (string)r["custom.file_name"]!));
        Assert.StartsWith("\"timestamp\",\"ip\"\n", (string)reports[0]["event.original"]!);
        Assert.Contains("\"c3\"", _run.State("reports"));
        Assert.Equal(3, server.Requests.Count(r => r.Request.StartsWith("GET /dl/")));
    }

    [Fact]
    public async Task Every_request_is_signed_with_the_secret_and_a_wrong_secret_is_refused()
    {
        var api = new ReportsApi();
        api.Reports.Add(("a1", "scan_smb", $"{Today}-scan_smb-test-cert-geo.csv"));
        await using var server = await FeedServer.StartAsync(api.AnswerAsync);

        var refused = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("shadowserver-api-collector", Options(server, "wrong-secret"), Token));
        Assert.Contains("401", refused.Message);
        Assert.Empty(_run.Reports());
        Assert.Empty(api.Queries);

        Assert.Equal(1, (await _run.CollectAsync("shadowserver-api-collector", Options(server) with { Days = 3 }, Token)).Events);
        var query = Assert.Single(api.Queries);
        Assert.Equal($"{DateTime.UtcNow.AddDays(-2):yyyy-MM-dd}:{Today}", (string?)query["date"]);
        Assert.Equal("[\"test-cert\"]", query["reports"]!.ToJsonString());
    }

    [Fact]
    public async Task Types_keep_only_the_reports_of_those_types()
    {
        var api = new ReportsApi();
        api.Reports.Add(("a1", "scan_smb", $"{Today}-scan_smb-test-cert-geo.csv"));
        api.Reports.Add(("b2", "device_id", $"{Today}-device_id-test-cert-geo.csv"));
        await using var server = await FeedServer.StartAsync(api.AnswerAsync);

        await _run.CollectAsync("shadowserver-api-collector", Options(server) with { Types = ["device_id", "scan_ftp"] }, Token);

        Assert.Equal([$"{Today}-device_id-test-cert-geo.csv"], _run.Reports().Select(r => (string)r["custom.file_name"]!));
    }

    [Fact]
    public async Task Json_format_downloads_through_the_signed_api_and_names_the_file_json()
    {
        var api = new ReportsApi();
        api.Reports.Add(("a1", "scan_smb", $"{Today}-scan_smb-test-cert-geo.csv"));
        await using var server = await FeedServer.StartAsync(api.AnswerAsync);

        await _run.CollectAsync("shadowserver-api-collector", Options(server) with { FileFormat = "json" }, Token);

        var report = Assert.Single(_run.Reports());
        Assert.Equal($"{Today}-scan_smb-test-cert-geo.json", report["custom.file_name"]);
        Assert.Contains("\"id\": \"a1\"", (string)report["event.original"]!);
        Assert.DoesNotContain(server.Requests, r => r.Request.StartsWith("GET /dl/"));
    }

    [Fact]
    public async Task A_refused_download_is_not_remembered_and_comes_with_the_next_run()
    {
        var api = new ReportsApi();
        api.Reports.Add(("a1", "scan_smb", $"{Today}-scan_smb-test-cert-geo.csv"));
        api.Reports.Add(("b2", "device_id", $"{Today}-device_id-test-cert-geo.csv"));
        api.RefusedDownloads.Add("b2");
        await using var server = await FeedServer.StartAsync(api.AnswerAsync);

        Assert.Equal(1, (await _run.CollectAsync("shadowserver-api-collector", Options(server), Token)).Events);
        Assert.Equal(1, (await _run.CollectAsync("shadowserver-api-collector", Options(server), Token)).Events);

        Assert.Equal([$"{Today}-scan_smb-test-cert-geo.csv", $"{Today}-device_id-test-cert-geo.csv"], _run.Reports().Select(r => (string)r["custom.file_name"]!));
    }

    [Fact]
    public void IntelMQ_feed_configurations_bind_with_the_cache_parameters_ignored()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.shadowserver.collector_reports_api");
        var entries = IntelMQFeeds.Collectors("intelmq.bots.collectors.shadowserver.collector_reports_api");
        Assert.NotEmpty(entries);
        foreach (var (feed, parameters) in entries)
        {
            CollectorSettings.Take(parameters);
            var ignored = new List<string>();
            var options = (ShadowserverApiCollectorOptions)OptionBinder.Bind(program, parameters, ignored)!;
            Assert.Contains("redis_cache_db", ignored);
            Assert.Equal("<CC>", options.Country);
            using (Assert.IsType<ShadowserverApiCollector>(program.Create(options, ProgramContext.Default))) { }
        }
    }
}

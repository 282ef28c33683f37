using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The stateful collectors of services (OTX, GitHub, RT, Azure, Interflow, ESET) SIGKILLed between fetching a report
/// and handing it on, then run twice more: the report arrives once, and their state was not advanced past it before
/// it was handed on. rsync's collector, which fetches without a server to hold, is killed while its Redis output is gone.
/// </summary>
public sealed class ServiceCollectorCrashTests : IDisposable
{
    const string FakeNow = "2024-05-02T10:00:00Z";
    readonly IntelMQCommand _intelmq = new();
    readonly LockedQueue _queue;

    public ServiceCollectorCrashTests()
    {
        // The crashed run and the runs after it share one clock: the time windows they store are comparable.
        _intelmq.Environment["INTELMQ_FAKE_NOW"] = FakeNow;
        _queue = new LockedQueue(_intelmq);
    }

    public void Dispose()
    {
        _queue.Dispose();
        _intelmq.Dispose();
    }

    static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Crashes the collector at the fetch the test locks at, then runs it twice: <paramref name="expected"/> is in the queue once each.</summary>
    async Task CrashAndRunTwiceAsync(string[] args, string[] handedOnBeforeTheCrash, Action killed, string[] expected)
    {
        await _queue.CrashAsync(args, Token);
        Assert.Equal(handedOnBeforeTheCrash, _queue.Bodies());
        killed();
        _queue.Run(args);
        Assert.Equal(expected, _queue.Bodies());
        _queue.Run(args);
        Assert.Equal(expected, _queue.Bodies());
    }

    [Fact]
    public async Task Otx_collector_killed_before_the_hand_off_asks_from_the_same_time_again_and_sends_the_pulses_once()
    {
        var asked = new List<string>();
        await using var server = await FeedServer.StartAsync(async context =>
        {
            var since = context.Request.Query["modified_since"].ToString();
            lock (asked) asked.Add(since);
            // One pulse, modified at 09:30 on the fake day: what is asked for since an earlier time gets it.
            var pulses = string.CompareOrdinal(since, "2024-05-02T09:30:00") < 0
                ? new JsonArray(new JsonObject { ["id"] = "p1", ["name"] = "pulse 1", ["modified"] = "2024-05-02T09:30:00" })
                : [];
            _queue.Lock();
            await context.Response.WriteAsync(new JsonObject { ["count"] = pulses.Count, ["next"] = null, ["results"] = pulses }.ToJsonString());
        });
        string[] args = ["run", "otx-collector", "--set", "api_key=k", "--set", $"api_url={server.Url("api/v1/")}", "--set", "modified_pulses_only=true", "--set", "interval=2"];

        await CrashAndRunTwiceAsync(args, [], killed: () => Assert.DoesNotContain("modified_since", _queue.State("otx-collector")),
            expected: ["""[{"id":"p1","name":"pulse 1","modified":"2024-05-02T09:30:00"}]"""]);

        Assert.Equal(["2024-05-02T08:00:00", "2024-05-02T08:00:00", "2024-05-02T10:00:00"], asked);
    }

    [Fact]
    public async Task GitHub_contents_collector_killed_before_handing_on_the_second_file_sends_each_file_once()
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["a.json"] = "[1]", ["b.json"] = "[2]" };
        await using var server = await FeedServer.StartAsync(async context =>
        {
            var path = context.Request.Path.Value!;
            if (path.StartsWith("/raw/", StringComparison.Ordinal))
            {
                if (path == "/raw/b.json") _queue.Lock();
                await context.Response.WriteAsync(files[path["/raw/".Length..]]);
                return;
            }
            var listing = new JsonArray([.. files.Select(f => (JsonNode)new JsonObject
            {
                ["name"] = f.Key, ["path"] = f.Key, ["type"] = "file", ["sha"] = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(f.Value))),
                ["download_url"] = $"http://{context.Request.Host}/raw/{f.Key}",
            })]);
            await context.Response.WriteAsync(listing.ToJsonString());
        });
        string[] args = ["run", "github-contents-collector", "--set", "repository=owner/iocs", "--set", "regex=\\.json$", "--set", $"api_url={server.Url("")}"];

        await CrashAndRunTwiceAsync(args, ["[1]"], killed: () =>
        {
            Assert.Contains("a.json", _queue.State("github-contents-collector"));
            Assert.DoesNotContain("b.json", _queue.State("github-contents-collector"));
        }, expected: ["[1]", "[2]"]);
    }

    [Fact]
    public async Task Rt_collector_killed_before_handing_on_a_tickets_attachment_leaves_the_ticket_new_and_sends_it_once()
    {
        var rt = new RtServer();
        foreach (var n in (int[])[7, 8])
        {
            rt.Tickets[n] = new RtServer.Ticket($"report {n}", "Attached.");
            rt.Tickets[n].Attachments.Add(($"report-{n}.csv", "text/csv", Encoding.UTF8.GetBytes($"ip\n192.0.2.{n}\n")));
        }
        rt.Fetching = ticket =>
        {
            if (ticket == 8) _queue.Lock();
        };
        await using var server = await FeedServer.StartAsync(rt.AnswerAsync);
        string[] args = ["run", "rt-collector", "--set", $"uri={server.Url("REST/1.0")}", "--set", $"user={RtServer.User}", "--set", $"password={RtServer.Password}",
            "--set", "attachment_regex=\\.csv$"];

        await CrashAndRunTwiceAsync(args, ["ip\n192.0.2.7\n"], killed: () =>
        {
            Assert.Equal(("open", RtServer.User), (rt.Tickets[7].Status, rt.Tickets[7].Owner));
            Assert.Equal(("new", "nobody"), (rt.Tickets[8].Status, rt.Tickets[8].Owner));
        }, expected: ["ip\n192.0.2.7\n", "ip\n192.0.2.8\n"]);

        Assert.Equal(("open", RtServer.User), (rt.Tickets[8].Status, rt.Tickets[8].Owner));
    }

    [Fact]
    public async Task Azure_collector_killed_before_handing_on_the_second_blob_sends_each_blob_once()
    {
        var azure = new AzureBlobServer();
        azure.Blobs["a.json"] = ("\"0x1\"", "[\"a\"]"u8.ToArray());
        azure.Blobs["b.json"] = ("\"0x2\"", "[\"b\"]"u8.ToArray());
        azure.Downloading = blob =>
        {
            if (blob == "b.json") _queue.Lock();
        };
        await using var server = await FeedServer.StartAsync(azure.AnswerAsync);
        string[] args = ["run", "azure-collector", "--set", $"container_name={AzureBlobServer.Container}",
            "--set", $"connection_string=AccountName={AzureBlobServer.Account};AccountKey={AzureBlobServer.Key};BlobEndpoint={server.Url(AzureBlobServer.Account)}"];

        await CrashAndRunTwiceAsync(args, ["[\"a\"]"], killed: () =>
        {
            Assert.Contains("a.json", _queue.State("azure-collector"));
            Assert.DoesNotContain("b.json", _queue.State("azure-collector"));
        }, expected: ["[\"a\"]", "[\"b\"]"]);
    }

    [Fact]
    public async Task Interflow_collector_killed_before_handing_on_the_second_file_sends_each_file_once()
    {
        await using var server = await FeedServer.StartAsync(async context =>
        {
            if (context.Request.Path == "/file/api/file/listsharedfiles")
            {
                await context.Response.WriteAsJsonAsync(new[]
                {
                    new { Name = "ctip_a.json", LastModified = "2024-05-01T12:00:00Z", Size = 5 },
                    new { Name = "ctip_b.json", LastModified = "2024-05-01T13:00:00Z", Size = 5 },
                });
                return;
            }
            var name = context.Request.Query["fileName"].ToString();
            if (name == "ctip_b.json") _queue.Lock();
            await context.Response.WriteAsync($"[\"{name}\"]");
        });
        string[] args = ["run", "interflow-collector", "--set", "api_key=k", "--set", $"list_url={server.Url("file/api/file/listsharedfiles")}",
            "--set", $"download_url={server.Url("file/api/file/download?fileName=")}"];

        await CrashAndRunTwiceAsync(args, ["[\"ctip_a.json\"]"], killed: () =>
        {
            Assert.Contains("ctip_a.json", _queue.State("interflow-collector"));
            Assert.DoesNotContain("ctip_b.json", _queue.State("interflow-collector"));
        }, expected: ["[\"ctip_a.json\"]", "[\"ctip_b.json\"]"]);
    }

    [Fact]
    public async Task Eset_collector_killed_before_handing_on_a_window_polls_the_same_window_again_and_sends_its_blocks_once()
    {
        var taxii = new Taxii11Server { Polling = _queue.Lock };
        taxii.Blocks.Add((DateTimeOffset.Parse("2024-05-02T09:30:00Z"), "[{\"url\": \"http://malicious.example/a\"}]"));
        taxii.Blocks.Add((DateTimeOffset.Parse("2024-05-02T09:31:00Z"), "[{\"url\": \"http://malicious.example/b\"}]"));
        await using var server = await FeedServer.StartAsync(taxii.AnswerAsync);
        string[] args = ["run", "eset-collector", "--set", $"username={Taxii11Server.User}", "--set", $"password={Taxii11Server.Password}",
            "--set", $"endpoint={server.Url("")}", "--set", $"collection={Taxii11Server.Collection}"];

        await CrashAndRunTwiceAsync(args, [], killed: () => Assert.DoesNotContain("\"end\"", _queue.State("eset-collector")),
            expected: ["[{\"url\": \"http://malicious.example/a\"}]", "[{\"url\": \"http://malicious.example/b\"}]"]);

        var begins = taxii.Requests.Where(r => r.Name == Taxii11Server.Taxii + "Poll_Request").Select(r => (string?)r.Element(Taxii11Server.Taxii + "Exclusive_Begin_Timestamp"));
        Assert.Equal(["2024-05-02T09:00:00.000000Z", "2024-05-02T09:00:00.000000Z", "2024-05-02T10:00:00.000000Z"], begins);
    }

    [Fact]
    public async Task Rsync_collector_killed_before_handing_on_a_changed_file_keeps_the_old_hash_and_sends_it_once_after_its_restart()
    {
        var source = Directory.CreateDirectory(_intelmq.PathOf("source")).FullName;
        var file = Path.Combine(source, "wild.rbldnsd");
        File.WriteAllText(file, "v1\n");
        using var crash = new CollectorCrash(_intelmq, ["run", "rsync-collector", "--set", $"rsync_path={source}/", "--set", "file=wild.rbldnsd"]);

        await crash.StartAsync(() => Task.CompletedTask, Token);
        // Each version a different length: rsync's quick check compares size and modification time.
        await crash.KillWhileHandingOnAsync(() => File.WriteAllTextAsync(file, "v22\n", Token), Token, killed: () =>
        {
            Assert.Contains(Convert.ToHexStringLower(SHA256.HashData("v1\n"u8)), File.ReadAllText(_intelmq.PathOf("var/collectors/rsync-collector.json")));
            return Task.CompletedTask;
        });
        await Eventually.WaitForAsync("v22 handed on", async () => await crash.Output.Client.ListLengthAsync("reports") == 1, Token);
        await File.WriteAllTextAsync(file, "v333\n", Token);
        var reports = await crash.ReportsAsync(2, Token);

        Assert.Equal(["v22\n", "v333\n"], reports.Select(QueueReports.Body));
    }
}

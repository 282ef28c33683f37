using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Collectors.Rt;
using IntelMQ.Contract;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>The RT collector against a Kestrel server answering as Request Tracker's REST 1.0.</summary>
public sealed class RtCollectorTests : IDisposable
{
    readonly CollectorRun _run = new();

    public void Dispose() => _run.Dispose();

    static RtCollectorOptions Options(FeedServer server) => new()
    {
        Uri = server.Url("REST/1.0"), User = RtServer.User, Password = new(RtServer.Password),
        SearchQueue = "Incident Reports", SearchRequestor = "autoreports@shadowserver.org", SearchOwner = "nobody",
        AttachmentRegex = @"\.csv\.zip$", ExtractAttachment = true,
    };

    static byte[] Zip(string name, string content)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create))
        using (var entry = zip.CreateEntry(name).Open()) entry.Write(Encoding.UTF8.GetBytes(content));
        return buffer.ToArray();
    }

    [Fact]
    public async Task A_tickets_zipped_attachment_is_unpacked_and_the_ticket_taken_and_opened_only_after_hand_off()
    {
        var rt = new RtServer();
        var reported = new RtServer.Ticket("[DE] Shadowserver DE Scan SMB", "Attached.");
        reported.Attachments.Add(("(Unnamed)", "text/plain", "Attached."u8.ToArray()));
        reported.Attachments.Add(("2024-05-01-scan_smb-geo.csv.zip", "application/zip", Zip("2024-05-01-scan_smb-geo.csv", "\"timestamp\",\"ip\"\n\"2024-05-01 00:00:01\",\"192.0.2.1\"\n")));
        var unrelated = new RtServer.Ticket("Question", "Hello?");
        rt.Tickets[7] = reported;
        rt.Tickets[8] = unrelated;
        await using var server = await FeedServer.StartAsync(rt.AnswerAsync);

        await _run.CollectAsync("intelmq.bots.collectors.rt.collector_rt", Options(server), TestContext.Current.CancellationToken);
        await _run.CollectAsync("rt-collector", Options(server), TestContext.Current.CancellationToken);

        var report = Assert.Single(_run.Reports());
        Assert.Equal(7L, report["rtir_id"]);
        Assert.Equal("2024-05-01-scan_smb-geo.csv", report["custom.file_name"]);
        Assert.Equal("\"timestamp\",\"ip\"\n\"2024-05-01 00:00:01\",\"192.0.2.1\"\n", report["event.original"]);
        Assert.Equal(("open", RtServer.User), (reported.Status, reported.Owner));
        Assert.Equal(("new", "nobody"), (unrelated.Status, unrelated.Owner));
        Assert.Equal("Queue = 'Incident Reports' AND Status = 'new' AND Owner = 'nobody' AND Requestor = 'autoreports@shadowserver.org'", rt.Queries[0]);
    }

    [Fact]
    public async Task Without_an_attachment_the_url_in_the_ticket_is_downloaded()
    {
        var rt = new RtServer();
        await using var server = await FeedServer.StartAsync(context => context.Request.Path.StartsWithSegments("/dl")
            ? context.Response.WriteAsync("ip\n192.0.2.9\n")
            : rt.AnswerAsync(context));
        rt.Tickets[3] = new RtServer.Ticket("[DE] Shadowserver DE", $"Download your report:\n{server.Url("dl/abcDEF123")}\nRegards");

        await _run.CollectAsync("rt-collector", Options(server) with { UrlRegex = Regex.Escape(server.Url("dl/")) + "[a-zA-Z0-9]*" }, TestContext.Current.CancellationToken);

        var report = Assert.Single(_run.Reports());
        Assert.Equal((3L, server.Url("dl/abcDEF123"), "ip\n192.0.2.9\n"), (report["rtir_id"], report["feed.url"], report["event.original"]));
        Assert.Equal("open", rt.Tickets[3].Status);
    }

    [Fact]
    public async Task A_refused_login_fails_the_run_with_RTs_status_line()
    {
        await using var server = await FeedServer.StartAsync(new RtServer().AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("rt-collector", Options(server) with { Password = new("wrong") }, TestContext.Current.CancellationToken));

        Assert.Contains("401 Credentials required", error.Message);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("{{ relative time or null }}")]
    public void A_search_not_older_than_that_is_no_time_is_refused(string age) =>
        Assert.Throws<ConfigurationException>(() => new RtCollector(new() { User = "u", Password = new("p"), AttachmentRegex = "x", SearchNotOlderThan = age }, ProgramContext.Default));
}

using System.Text;
using IntelMQ.Tests.Channels;
using Microsoft.AspNetCore.Http;
using MimeKit;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The HTTP, mail and file collectors SIGKILLed while they cannot hand a report on (their Redis output gone), then
/// started again: the report arrives once, nothing was committed for it before, and the next report follows it alone.
/// </summary>
public sealed class DownloadCollectorCrashTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    string State(string id) => _intelmq.PathOf(Path.Combine("var", "collectors", id + ".json"));

    [Fact]
    public async Task Http_collector_killed_before_handing_on_a_changed_feed_sends_it_once_after_its_restart()
    {
        var version = "v1";
        await using var server = await FeedServer.StartAsync(async context =>
        {
            var body = Volatile.Read(ref version);
            var etag = $"\"{body}\"";
            if (context.Request.Headers.IfNoneMatch == etag)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }
            context.Response.Headers.ETag = etag;
            await context.Response.WriteAsync($"ip\n192.0.2.1\n{body}\n");
        });
        using var crash = new CollectorCrash(_intelmq, ["run", "http-collector", "--set", $"http_url={server.Url("feed.csv")}"]);

        await crash.StartAsync(() => Task.CompletedTask, Token);
        await crash.KillWhileHandingOnAsync(() =>
        {
            Volatile.Write(ref version, "v2");
            return Task.CompletedTask;
        }, Token, killed: () =>
        {
            Assert.Contains("\\\"v1\\\"", File.ReadAllText(State("http-collector")));
            return Task.CompletedTask;
        });
        await Eventually.WaitForAsync("v2 handed on", async () => await crash.Output.Client.ListLengthAsync("reports") == 1, Token);
        Volatile.Write(ref version, "v3");
        var reports = await crash.ReportsAsync(2, Token);

        Assert.Equal(["ip\n192.0.2.1\nv2\n", "ip\n192.0.2.1\nv3\n"], reports.Select(QueueReports.Body));
    }

    [Fact]
    public async Task Mail_attach_collector_killed_before_handing_on_an_attachment_leaves_the_mail_unread_and_sends_it_once_after_its_restart()
    {
        Assert.SkipUnless(DovecotServer.Installed, "dovecot is not installed (apt-get install -y dovecot-imapd)");
        using var dovecot = await DovecotServer.StartAsync(Token);
        using var crash = new CollectorCrash(_intelmq, ["run", "mail-attach-collector", "--set", "mail_host=127.0.0.1", "--set", $"mail_port={dovecot.Port}",
            "--set", "mail_ssl=false", "--set", $"mail_user={DovecotServer.User}", "--set", $"mail_password={DovecotServer.Password}",
            "--set", "attach_regex=\\.csv$", "--set", "extract_files=false"]);

        await crash.StartAsync(() => dovecot.AppendAsync(Mail("mail 1"), Token), Token);
        await crash.KillWhileHandingOnAsync(() => dovecot.AppendAsync(Mail("mail 2"), Token), Token,
            killed: async () => Assert.Equal(["mail 2"], await dovecot.UnreadAsync(Token)));
        await Eventually.WaitForAsync("mail 2 handed on", async () => await crash.Output.Client.ListLengthAsync("reports") == 1, Token);
        await dovecot.AppendAsync(Mail("mail 3"), Token);
        var reports = await crash.ReportsAsync(2, Token);

        Assert.Equal(["ip\nmail 2\n", "ip\nmail 3\n"], reports.Select(QueueReports.Body));
        Assert.Empty(await dovecot.UnreadAsync(Token));
    }

    [Fact]
    public async Task File_collector_killed_before_handing_on_a_file_leaves_it_in_place_and_sends_it_once_after_its_restart()
    {
        var inbox = Directory.CreateDirectory(_intelmq.PathOf("inbox")).FullName;
        using var crash = new CollectorCrash(_intelmq, ["run", "file-collector", "--set", $"path={inbox}", "--set", "delete_file=true"]);

        await crash.StartAsync(() => Drop(inbox, "a.csv"), Token);
        await crash.KillWhileHandingOnAsync(() => Drop(inbox, "b.csv"), Token, killed: () =>
        {
            Assert.True(File.Exists(Path.Combine(inbox, "b.csv")), "the file is deleted only once its report is handed on");
            return Task.CompletedTask;
        });
        await Eventually.WaitForAsync("b.csv handed on", async () => await crash.Output.Client.ListLengthAsync("reports") == 1, Token);
        await Drop(inbox, "c.csv");
        var reports = await crash.ReportsAsync(2, Token);

        Assert.Equal(["ip\nb.csv\n", "ip\nc.csv\n"], reports.Select(QueueReports.Body));
        Assert.Empty(Directory.GetFiles(inbox));
    }

    // Written aside and moved in, as docs/collectors.md asks, so that no run reads it half-written.
    static Task Drop(string inbox, string name)
    {
        var aside = Path.Combine(inbox, "..", name + ".part");
        File.WriteAllText(aside, $"ip\n{name}\n");
        File.Move(aside, Path.Combine(inbox, name));
        return Task.CompletedTask;
    }

    static MimeMessage Mail(string subject)
    {
        var body = new BodyBuilder { TextBody = subject };
        // As bytes: a text/* attachment would travel with CRLF line ends.
        body.Attachments.Add("report.csv", Encoding.UTF8.GetBytes($"ip\n{subject}\n"), new ContentType("application", "octet-stream"));
        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody(), MessageId = $"{Guid.NewGuid():N}@example.org" };
        message.From.Add(MailboxAddress.Parse("reports@example.org"));
        message.To.Add(MailboxAddress.Parse("cert@example.org"));
        return message;
    }
}

using IntelMQ.Tests.Channels;
using MimeKit;
using StackExchange.Redis;

namespace IntelMQ.Tests.Outputs;

/// <summary>
/// mail-output run one-shot (from cron) over a durable queue: the events wait in a private Redis list or a followed
/// file, one run mails each recipient once and acknowledges only what its mail server accepted, and a run killed with
/// SIGKILL loses nothing.
/// </summary>
public sealed class MailQueueRunTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    readonly RedisServer _redis = redis.Required();
    readonly IntelMQCommand _intelmq = new();
    readonly string _queue = "mail-" + Guid.NewGuid().ToString("N");

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose() => _intelmq.Dispose();

    string Input => $"redis://127.0.0.1:{_redis.Port}/0?queue={_queue}";

    static string Message(string contact, int i) =>
        $$"""{"__type": "Event", "feed.name": "Test Feed", "classification.type": "infected-system", "source.ip": "10.{{i / 65536 % 256}}.{{i / 256 % 256}}.{{i % 256}}", "source.abuse_contact": "{{contact}}"}""";

    /// <summary>count events for each recipient, interleaved as a day's feeds would bring them, numbered from first.</summary>
    static List<string> Messages(int first, params (string Contact, int Count)[] recipients)
    {
        var messages = new List<string>();
        for (var round = 0; recipients.Any(r => r.Count > round); round++)
            foreach (var (contact, count) in recipients)
                if (round < count) messages.Add(Message(contact, first + messages.Count));
        return messages;
    }

    async Task Queue(IEnumerable<string> messages)
    {
        foreach (var chunk in messages.Chunk(500))
            await _redis.Client.ListLeftPushAsync(_queue, [.. chunk.Select(m => (RedisValue)m)]);
    }

    async Task<(long Queued, long InFlight)> Left() =>
        (await _redis.Client.ListLengthAsync(_queue), await _redis.Client.ListLengthAsync(_queue + "-internal"));

    static string[] MailRun(string input, int smtpPort, int batchSize) =>
    [
        "run", "mail-output", "--input", input, "--batch-size", batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture), "--linger-ms", "600000",
        "--set", "smtp_host=127.0.0.1", "--set", $"smtp_port={smtpPort}", "--set", "mail_from=cert@example.org", "--set", "fieldnames=source.ip",
        "--set", "smtp_timeout_sec=10",
    ];

    /// <summary>The attachment's rows (without the header) of each mail for <paramref name="recipient"/>.</summary>
    static List<int> Rows(SmtpTestServer server, string recipient) =>
        [.. server.Received.Where(m => m.Recipients.SequenceEqual([recipient])).Select(m => Csv(m.Message).Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length - 1)];

    static string Csv(MimeMessage message) =>
        Assert.IsAssignableFrom<MimePart>(Assert.Single(message.Attachments)) is var part && part.Content!.Open() is var stream ? new StreamReader(stream).ReadToEnd() : "";

    [Fact]
    public async Task A_one_shot_run_mails_each_recipient_once_for_the_whole_queue_and_exits_with_it_empty()
    {
        await Queue(Messages(0, ("abuse@a.example", 1500), ("abuse@b.example", 1000), ("abuse@c.example", 500)));
        await using var server = SmtpTestServer.Start();

        var run = _intelmq.Run("", MailRun(Input, server.Port, 10_000));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(3, server.Received.Count);
        Assert.Equal([1500], Rows(server, "abuse@a.example"));
        Assert.Equal([1000], Rows(server, "abuse@b.example"));
        Assert.Equal([500], Rows(server, "abuse@c.example"));
        Assert.Equal((0L, 0L), await Left());
        Assert.DoesNotContain("another mail", run.Stderr);
    }

    [Fact]
    public async Task A_recipient_with_more_events_than_batch_size_gets_several_mails_and_the_log_says_so()
    {
        await Queue(Messages(0, ("abuse@a.example", 1200), ("abuse@b.example", 10)));
        await using var server = SmtpTestServer.Start();

        var run = _intelmq.Run("", MailRun(Input, server.Port, 500));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(1200, Rows(server, "abuse@a.example").Sum());
        Assert.Equal(3, Rows(server, "abuse@a.example").Count);
        Assert.Equal([10], Rows(server, "abuse@b.example"));
        Assert.Contains("got another mail in this run", run.Stderr);
        Assert.Contains("abuse@a.example", run.Stderr);
        Assert.Equal((0L, 0L), await Left());
    }

    [Fact]
    public async Task A_followed_file_is_drained_into_one_mail_per_recipient_and_the_next_run_mails_only_what_came_after()
    {
        var file = _intelmq.PathOf("events.jsonl");
        await File.WriteAllLinesAsync(file, Messages(0, ("abuse@a.example", 2000), ("abuse@b.example", 2000)), Cancel);
        var input = $"file:{file}?follow=true&offset_file={_intelmq.PathOf("events.offset")}";
        await using var server = SmtpTestServer.Start();

        var first = _intelmq.Run("", MailRun(input, server.Port, 10_000));
        await File.AppendAllLinesAsync(file, Messages(4000, ("abuse@a.example", 7)), Cancel);
        var second = _intelmq.Run("", MailRun(input, server.Port, 10_000));

        Assert.True(first.ExitCode == 0, first.Stderr);
        Assert.True(second.ExitCode == 0, second.Stderr);
        Assert.Equal([2000, 7], Rows(server, "abuse@a.example"));
        Assert.Equal([2000], Rows(server, "abuse@b.example"));
    }

    [Fact]
    public async Task A_run_killed_after_the_server_took_a_mail_loses_nothing_and_the_next_run_mails_it_again()
    {
        await Queue(Messages(0, ("abuse@a.example", 300), ("abuse@b.example", 200)));
        var hold = new TaskCompletionSource();
        var port = RedisServer.FreePort();
        await using (var holding = SmtpTestServer.Start(port: port, holdReplies: hold.Task))
        {
            using var killed = _intelmq.Start(MailRun(Input, port, 10_000));
            try
            {
                await Eventually.WaitForAsync("the first mail reaching the server", () => !holding.Received.IsEmpty, Cancel);
            }
            finally
            {
                killed.Kill(); // SIGKILL, before the server's reply to DATA reached it
                await killed.WaitForExitAsync(Cancel);
                hold.SetResult();
            }
            Assert.Equal([300], Rows(holding, "abuse@a.example"));
        }
        Assert.Equal((0L, 500L), await Left());

        await using var server = SmtpTestServer.Start(port: port);
        var run = _intelmq.Run("", MailRun(Input, port, 10_000));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal([300], Rows(server, "abuse@a.example"));
        Assert.Equal([200], Rows(server, "abuse@b.example"));
        Assert.Equal((0L, 0L), await Left());
    }

    [Fact]
    public async Task A_run_killed_before_sending_loses_nothing_and_the_next_run_mails_every_event_once()
    {
        await Queue(Messages(0, ("abuse@a.example", 300), ("abuse@b.example", 200)));
        var port = RedisServer.FreePort();
        using (var killed = _intelmq.Start(MailRun(Input, port, 10_000)))
        {
            try
            {
                // No server listens yet: the run has taken the whole queue and retries connecting.
                await Eventually.WaitForAsync("the run taking the queue", async () => await Left() == (0, 500), Cancel);
            }
            finally
            {
                killed.Kill();
                await killed.WaitForExitAsync(Cancel);
            }
        }
        Assert.Equal((0L, 500L), await Left());
        await Queue(Messages(500, ("abuse@b.example", 5)));

        await using var server = SmtpTestServer.Start(port: port);
        var run = _intelmq.Run("", MailRun(Input, port, 10_000));

        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal([300], Rows(server, "abuse@a.example"));
        Assert.Equal([205], Rows(server, "abuse@b.example"));
        Assert.Equal((0L, 0L), await Left());
    }
}

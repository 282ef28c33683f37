using System.IO.Compression;
using IntelMQ.Core;
using IntelMQ.Outputs.Mail;
using MimeKit;

namespace IntelMQ.Tests.Outputs;

public sealed class MailOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static MailOutput Output(SmtpTestServer server, MailOutputOptions? options = null) =>
        new((options ?? new()) with { SmtpHost = "127.0.0.1", SmtpPort = server.Port, MailFrom = "cert@example.org", SmtpTimeoutSec = 10 }, ProgramContext.Default);

    static async Task<WriteResult[]> Write(MailOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(string? contact, int i)
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        ev.Add(DhoMapping.ToIdf("classification.type")!, "infected-system");
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("source.asn")!, 64496L);
        if (contact is not null) ev.Add(DhoMapping.ToIdf("source.abuse_contact")!, contact);
        return ev;
    }

    static string Attachment(MimeMessage message) =>
        Assert.IsAssignableFrom<MimePart>(Assert.Single(message.Attachments)) is var part && part.Content!.Open() is var stream ? new StreamReader(stream).ReadToEnd() : "";

    [Fact]
    public async Task Events_are_mailed_once_per_recipient_with_their_rows_in_a_csv_attachment()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new() { Fieldnames = ["source.ip", "classification.type", "source.asn"] });
        Event[] events = [NewEvent("abuse@a.example", 0), NewEvent("abuse@b.example", 1), NewEvent("abuse@a.example", 2), NewEvent("ABUSE@a.example", 3)];

        var results = await Write(output, events);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        var mails = server.Received.ToList();
        Assert.Equal(2, mails.Count);
        var (toA, a) = mails[0];
        Assert.Equal(["abuse@a.example"], toA);
        Assert.Equal("cert@example.org", a.From.Mailboxes.Single().Address);
        Assert.Equal("Incidents concerning your network (3)", a.Subject);
        Assert.Contains("(3 events)", a.TextBody);
        Assert.Equal("source.ip,classification.type,source.asn\r\n192.0.2.1,infected-system,64496\r\n192.0.2.3,infected-system,64496\r\n192.0.2.4,infected-system,64496\r\n", Attachment(a));
        Assert.Matches(@"^intelmq_\d{4}-\d\d-\d\d\.csv$", a.Attachments.Single().ContentDisposition!.FileName);
        Assert.Equal(["abuse@b.example"], mails[1].Recipients);
        Assert.Equal("source.ip,classification.type,source.asn\r\n192.0.2.2,infected-system,64496\r\n", Attachment(mails[1].Message));
    }

    [Fact]
    public async Task A_recipient_the_server_refuses_has_its_events_refused_with_the_reply_and_the_others_are_written()
    {
        await using var server = SmtpTestServer.Start(refuse: address => address == "gone@b.example");
        using var output = Output(server);

        var results = await Write(output, [NewEvent("abuse@a.example", 0), NewEvent("gone@b.example", 1), NewEvent("abuse@c.example", 2), NewEvent("gone@b.example", 3)]);

        Assert.Equal([WriteStatus.Written, WriteStatus.Refused, WriteStatus.Written, WriteStatus.Refused], results.Select(r => r.Status));
        Assert.Contains("gone@b.example", results[1].Reason);
        Assert.Contains("550", results[1].Reason);
        Assert.Equal([["abuse@a.example"], ["abuse@c.example"]], server.Received.Select(m => m.Recipients));
    }

    [Fact]
    public async Task A_server_that_is_down_is_a_transient_failure_and_the_mails_go_out_once_it_is_up()
    {
        var port = Channels.RedisServer.FreePort();
        using var output = new MailOutput(new() { SmtpHost = "127.0.0.1", SmtpPort = port, SmtpTimeoutSec = 5 }, ProgramContext.Default);
        Event[] events = [NewEvent("abuse@a.example", 0)];

        await Assert.ThrowsAsync<TransientException>(() => Write(output, events));

        await using var server = SmtpTestServer.Start(port: port);
        var results = await Write(output, events);
        Assert.Equal(WriteResult.Written, results[0]);
        Assert.Single(server.Received);
    }

    [Fact]
    public async Task A_server_stopped_between_batches_is_reconnected_to()
    {
        var port = Channels.RedisServer.FreePort();
        using var output = new MailOutput(new() { SmtpHost = "127.0.0.1", SmtpPort = port, SmtpTimeoutSec = 5 }, ProgramContext.Default);
        await using (var first = SmtpTestServer.Start(port: port))
            Assert.Equal(WriteResult.Written, (await Write(output, [NewEvent("abuse@a.example", 0)]))[0]);

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent("abuse@a.example", 1)]));
        await using var second = SmtpTestServer.Start(port: port);
        Assert.Equal(WriteResult.Written, (await Write(output, [NewEvent("abuse@a.example", 1)]))[0]);
        Assert.Single(second.Received);
    }

    [Fact]
    public async Task Test_mode_sends_every_mail_to_the_testing_address_only()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new() { TestingTo = "tester@example.org", Bcc = ["archive@example.org"] });

        await Write(output, [NewEvent("abuse@a.example", 0), NewEvent("abuse@b.example", 1)]);

        var mails = server.Received.ToList();
        Assert.Equal(2, mails.Count);
        Assert.All(mails, m => Assert.Equal(["tester@example.org"], m.Recipients));
        Assert.Equal("abuse@a.example", mails[0].Message.Headers["X-IntelMQ-Recipients"]);
        Assert.Equal("tester@example.org", mails[0].Message.To.Mailboxes.Single().Address);
    }

    [Fact]
    public async Task Bcc_addresses_get_every_mail_without_appearing_in_it()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new() { Bcc = ["archive@example.org"] });

        await Write(output, [NewEvent("abuse@a.example", 0)]);

        var (recipients, message) = Assert.Single(server.Received);
        Assert.Equal(["abuse@a.example", "archive@example.org"], recipients);
        Assert.Empty(message.Bcc);
    }

    [Fact]
    public async Task A_zipped_attachment_holds_the_csv()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new() { Zip = true, Fieldnames = ["source.ip"], AttachmentName = "events" });

        await Write(output, [NewEvent("abuse@a.example", 0)]);

        var part = Assert.IsAssignableFrom<MimePart>(Assert.Single(Assert.Single(server.Received).Message.Attachments));
        Assert.Equal("events.zip", part.FileName);
        using var zip = new ZipArchive(part.Content!.Open());
        var entry = Assert.Single(zip.Entries);
        Assert.Equal("events.csv", entry.FullName);
        Assert.Equal("source.ip\r\n192.0.2.1\r\n", new StreamReader(entry.Open()).ReadToEnd());
    }

    [Fact]
    public async Task IntelMQs_python_formats_and_liquid_templates_render_from_the_events()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new()
        {
            MailTo = "{ev[source.abuse_contact]}",
            Subject = "Incident in your AS {ev[source.asn]}",
            Text = "{% for e in events %}{{ e['source.ip'] }} {{ e['classification.type'] }}\n{% endfor %}for {{ recipient }}",
            Fieldnames = [],
        });

        await Write(output, [NewEvent("abuse@a.example", 0), NewEvent("abuse@a.example", 1)]);

        var message = Assert.Single(server.Received).Message;
        Assert.Equal("Incident in your AS 64496", message.Subject);
        Assert.Equal("192.0.2.1 infected-system\n192.0.2.2 infected-system\nfor abuse@a.example", message.TextBody!.TrimEnd());
        Assert.Empty(message.Attachments);
    }

    [Fact]
    public async Task Templated_attachments_replace_the_csv()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new()
        {
            Attachments = ["""{"content-type": "application/json", "name": "report-{{ count }}.json", "text": "{\"ip\": \"{{ event['source.ip'] }}\"}"}"""],
        });

        await Write(output, [NewEvent("abuse@a.example", 0)]);

        var part = Assert.IsAssignableFrom<MimePart>(Assert.Single(Assert.Single(server.Received).Message.Attachments));
        Assert.Equal("report-1.json", part.FileName);
        Assert.Equal("application/json", part.ContentType.MimeType);
        Assert.Equal("""{"ip": "192.0.2.1"}""", new StreamReader(part.Content!.Open()).ReadToEnd());
    }

    [Fact]
    public async Task An_event_without_a_recipient_is_refused_and_sends_nothing()
    {
        await using var server = SmtpTestServer.Start();
        using var output = Output(server);

        var results = await Write(output, [NewEvent(null, 0)]);

        Assert.Equal(WriteStatus.Refused, results[0].Status);
        Assert.Contains("no recipient", results[0].Reason);
        Assert.Empty(server.Received);
    }

    [Fact]
    public async Task Alternative_addresses_replace_the_original_recipient()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "abuse@a.example,noc@a.example;soc@a.example\n", Cancel);
        await using var server = SmtpTestServer.Start();
        using var output = Output(server, new() { AlternativeMails = file });

        await Write(output, [NewEvent("abuse@a.example", 0)]);

        Assert.Equal(["noc@a.example", "soc@a.example"], Assert.Single(server.Received).Recipients);
        File.Delete(file);
    }

    [Fact]
    public async Task It_authenticates_with_the_password_and_the_health_check_logs_in()
    {
        await using var server = SmtpTestServer.Start(login: ("intelmq", "s3cret"));
        using var output = Output(server, new() { SmtpUsername = "intelmq", SmtpPassword = new("s3cret") });

        await output.CheckAsync(Cancel);
        Assert.Equal(WriteResult.Written, (await Write(output, [NewEvent("abuse@a.example", 0)]))[0]);

        using var wrong = Output(server, new() { SmtpUsername = "intelmq", SmtpPassword = new("wrong") });
        await Assert.ThrowsAsync<InvalidOperationException>(() => wrong.CheckAsync(Cancel).AsTask());
    }

    [Fact]
    public async Task The_health_check_fails_when_no_server_answers()
    {
        using var output = new MailOutput(new() { SmtpHost = "127.0.0.1", SmtpPort = Channels.RedisServer.FreePort(), SmtpTimeoutSec = 5 }, ProgramContext.Default);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(Cancel).AsTask());

        Assert.Contains("cannot use the SMTP server", error.Message);
    }

    [Theory]
    [InlineData("gpg_key")]
    [InlineData("subject")]
    public void A_configuration_it_cannot_honour_is_refused_at_construction(string option)
    {
        var options = option == "gpg_key" ? new MailOutputOptions { GpgKey = "0xDEADBEEF" } : new MailOutputOptions { Subject = "{% if %}" };

        var error = Assert.Throws<ConfigurationException>(() => new MailOutput(options, ProgramContext.Default));

        Assert.Contains($"option '{option}'", error.Message);
    }
}

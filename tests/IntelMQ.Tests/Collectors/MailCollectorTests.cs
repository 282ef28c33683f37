using System.IO.Compression;
using System.Text;
using IntelMQ.Cli;
using IntelMQ.Collectors.Mail;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using Microsoft.AspNetCore.Http;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace IntelMQ.Tests.Collectors;

/// <summary>The mail collectors against a private dovecot: filters, attachments, bodies, URLs, and a mail marked only once its reports are handed on.</summary>
public sealed class MailCollectorTests : IAsyncLifetime
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-mail-").FullName;
    readonly StringWriter _log = new();
    DovecotServer? _server;

    DovecotServer Server => _server!;
    string Output => Path.Combine(_dir, "reports.jsonl");
    string DumpPath => Path.Combine(_dir, "dump.jsonl");
    static CancellationToken Token => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        Assert.SkipUnless(DovecotServer.Installed, "dovecot is not installed (apt-get install -y dovecot-imapd)");
        _server = await DovecotServer.StartAsync(Token);
    }

    public ValueTask DisposeAsync()
    {
        _server?.Dispose();
        Directory.Delete(_dir, recursive: true);
        return ValueTask.CompletedTask;
    }

    MailAttachCollectorOptions Attach() => new() { MailHost = "127.0.0.1", MailPort = Server.Port, MailSsl = false, MailUser = DovecotServer.User, MailPassword = new Secret(DovecotServer.Password) };

    async Task<RunSummary> CollectAsync(string program, object options)
    {
        var host = new CollectorHost(new CollectorHostOptions
        {
            Program = Programs.Catalog.Resolve(program),
            Options = options,
            Context = new ProgramContext { Id = "mail" },
            Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{Output}"] },
            DumpPath = DumpPath,
            StatePath = Path.Combine(_dir, "state", "mail.json"),
            Feed = new Dictionary<string, string> { ["feed.name"] = "Mail Feed" },
        }, ChannelCatalog.WithBuiltIns(), new ChannelContext("mail", 0, _log));
        await using (host) return await host.RunAsync(Token, Token);
    }

    List<Event> Reports() => File.Exists(Output) ? File.ReadAllLines(Output).SelectMany(l => EventJson.Read(Encoding.UTF8.GetBytes(l))).ToList() : [];

    static MimeMessage Mail(string from, string subject, string text, params (string Name, byte[] Content)[] attachments)
    {
        var body = new BodyBuilder { TextBody = text };
        foreach (var (name, content) in attachments) body.Attachments.Add(name, content);
        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody(), MessageId = $"{Guid.NewGuid():N}@example.org", Date = new DateTimeOffset(2024, 5, 1, 8, 0, 0, TimeSpan.Zero) };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse("cert@example.org"));
        return message;
    }

    static byte[] Zip(string name, string text)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = zip.CreateEntry(name).Open())
            entry.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    [Fact]
    public async Task Matching_attachments_are_unzipped_into_reports_and_only_their_mail_is_marked_seen()
    {
        var csv = "\"timestamp\",\"ip\"\n\"2024-05-01 00:00:00\",\"192.0.2.1\"\n";
        await Server.AppendAsync(Mail("autoreports@shadowserver.org", "[Shadowserver] scan_smb", "see attachment", ("2024-05-01-scan_smb-geo.csv.zip", Zip("2024-05-01-scan_smb-geo.csv", csv)), ("notes.txt", "x"u8.ToArray())), Token);
        await Server.AppendAsync(Mail("autoreports@shadowserver.org", "Newsletter", "no", ("other.csv.zip", Zip("other.csv", csv))), Token);
        await Server.AppendAsync(Mail("someone@example.net", "[Shadowserver] forged", "no", ("forged.csv.zip", Zip("forged.csv", csv))), Token);
        var options = Attach() with { SubjectRegex = @"^\[Shadowserver\]", SentFrom = "shadowserver.org" };

        Assert.Equal(1, (await CollectAsync("intelmq.bots.collectors.mail.collector_mail_attach", options)).Events);
        Assert.Equal(0, (await CollectAsync("mail-attach-collector", options)).Events);

        var report = Assert.Single(Reports());
        Assert.Equal(csv, report["event.original"]);
        Assert.Equal("2024-05-01-scan_smb-geo.csv", report["custom.file_name"]);
        Assert.Equal(("[Shadowserver] scan_smb", "autoreports@shadowserver.org", "Mail Feed"), (report["custom.email_subject"], report["custom.email_from"], report["feed.name"]));
        Assert.NotNull(report["custom.email_message_id"]);
        Assert.NotNull(report["custom.email_date"]);
        Assert.Equal(["Newsletter", "[Shadowserver] forged"], (await Server.UnreadAsync(Token)).Order());
    }

    [Fact]
    public async Task A_mail_stays_unread_until_its_last_report_is_handed_on()
    {
        await Server.AppendAsync(Mail("a@example.org", "two files", "", ("a.csv", "ip\n192.0.2.1\n"u8.ToArray()), ("b.csv", "ip\n192.0.2.2\n"u8.ToArray())), Token);
        var collector = new MailAttachCollector(Attach() with { AttachRegex = @"\.csv$", ExtractFiles = false }, ProgramContext.Default);

        var reports = collector.CollectAsync(new NoState(), Token).GetAsyncEnumerator(Token);
        Assert.True(await reports.MoveNextAsync());
        Assert.Null(reports.Current.Commit);
        Assert.True(await reports.MoveNextAsync());
        var last = reports.Current;
        Assert.Equal(["two files"], await Server.UnreadAsync(Token));
        await last.Commit!(Token);
        Assert.Empty(await Server.UnreadAsync(Token));
        Assert.False(await reports.MoveNextAsync());
        await reports.DisposeAsync();
    }

    [Fact]
    public async Task A_handled_mail_is_moved_to_move_to_and_one_without_a_matching_attachment_too()
    {
        await Server.AppendAsync(Mail("a@example.org", "report", "", ("events.csv", "ip\n192.0.2.1\n"u8.ToArray())), Token);
        await Server.AppendAsync(Mail("a@example.org", "no report", "", ("image.png", [0x89, 0x50])), Token);

        var summary = await CollectAsync("mail-attach-collector", Attach() with { AttachRegex = "events.csv", ExtractFiles = false, MoveTo = "Done" });

        Assert.Equal(1, summary.Events);
        Assert.Empty(await Server.SubjectsAsync("INBOX", Token));
        Assert.Equal(["no report", "report"], (await Server.SubjectsAsync("Done", Token)).Order());
    }

    [Fact]
    public async Task Every_text_body_is_a_report()
    {
        await Server.AppendAsync(Mail("reports@example.org", "Daily list", "192.0.2.1\n192.0.2.2\n"), Token);

        var summary = await CollectAsync("intelmq.bots.collectors.mail.collector_mail_body", new MailBodyCollectorOptions
        {
            MailHost = "127.0.0.1", MailPort = Server.Port, MailSsl = false, MailUser = DovecotServer.User, MailPassword = new Secret(DovecotServer.Password), ContentTypes = "plain",
        });

        Assert.Equal(1, summary.Events);
        var report = Assert.Single(Reports());
        Assert.Equal(("192.0.2.1\n192.0.2.2\n", "Daily list"), (report["event.original"], report["custom.email_subject"]));
    }

    [Fact]
    public async Task The_URLs_of_a_mail_are_downloaded_and_a_refused_one_is_dumped()
    {
        await using var web = await FeedServer.StartAsync(context =>
        {
            if (context.Request.Path != "/dl/report.csv") context.Response.StatusCode = StatusCodes.Status404NotFound;
            else return context.Response.WriteAsync("ip\n192.0.2.9\n");
            return Task.CompletedTask;
        });
        await Server.AppendAsync(Mail("reports@example.org", "Your report", $"Download: {web.Url("dl/report.csv")}\nOld: {web.Url("dl/expired.csv")}\n"), Token);

        var summary = await CollectAsync("intelmq.bots.collectors.mail.collector_mail_url", new MailUrlCollectorOptions
        {
            MailHost = "127.0.0.1", MailPort = Server.Port, MailSsl = false, MailUser = DovecotServer.User, MailPassword = new Secret(DovecotServer.Password),
            UrlRegex = @"http://127\.0\.0\.1:\d+/dl/[a-z.]+",
        });

        Assert.Equal((1L, 1L), (summary.Events, summary.Dumped));
        var report = Assert.Single(Reports());
        Assert.Equal(("ip\n192.0.2.9\n", web.Url("dl/report.csv"), "report.csv"), (report["event.original"], report["feed.url"], report["custom.file_name"]));
        Assert.Contains("404", File.ReadAllText(DumpPath));
        Assert.Empty(await Server.UnreadAsync(Token));
    }

    [Fact]
    public async Task An_empty_attachment_is_dumped_unless_allow_empty_and_its_mail_is_marked_either_way()
    {
        await Server.AppendAsync(Mail("a@example.org", "empty", "", ("events.csv", [])), Token);

        var refused = await CollectAsync("mail-attach-collector", Attach() with { AttachRegex = "csv" });
        await Server.AppendAsync(Mail("a@example.org", "empty again", "", ("events.csv", [])), Token);
        var allowed = await CollectAsync("mail-attach-collector", Attach() with { AttachRegex = "csv", AllowEmpty = true });

        Assert.Equal((0L, 1L), (refused.Events, refused.Dumped));
        Assert.Contains("allow_empty", File.ReadAllText(DumpPath));
        Assert.Equal((0L, 0L), (allowed.Events, allowed.Dumped));
        Assert.Empty(await Server.UnreadAsync(Token));
    }

    [Fact]
    public async Task Chunk_size_splits_a_download_at_line_ends_with_its_header_on_every_part_and_marks_the_mail_once()
    {
        await using var web = await FeedServer.StartAsync(context => context.Response.WriteAsync("ip\n192.0.2.1\n192.0.2.2\n192.0.2.3\n"));
        await Server.AppendAsync(Mail("reports@example.org", "Your report", $"Download: {web.Url("dl/report.csv")}\n"), Token);

        var summary = await CollectAsync("intelmq.bots.collectors.mail.collector_mail_url", new MailUrlCollectorOptions
        {
            MailHost = "127.0.0.1", MailPort = Server.Port, MailSsl = false, MailUser = DovecotServer.User, MailPassword = new Secret(DovecotServer.Password),
            UrlRegex = @"http://127\.0\.0\.1:\d+/dl/[a-z.]+", ChunkSize = 24,
        });

        Assert.Equal(2, summary.Events);
        Assert.Equal(["ip\n192.0.2.1\n192.0.2.2\n", "ip\n192.0.2.3\n"], Reports().Select(r => (string)r["event.original"]!));
        Assert.All(Reports(), r => Assert.Equal("report.csv", r["custom.file_name"]));
        Assert.Empty(await Server.UnreadAsync(Token));
    }

    [Fact]
    public async Task An_encrypted_attachment_arrives_decrypted_and_one_that_cannot_be_decrypted_is_dumped_with_the_reason_and_its_mail_marked()
    {
        var (keyFile, key) = PgpSecretKeyFile("test");
        await Server.AppendAsync(Mail("a@example.org", "encrypted", "", ("report.csv.gpg", Encrypt(key, "ip\n192.0.2.1\n", armor: false))), Token);
        await Server.AppendAsync(Mail("a@example.org", "armored", "", ("report.csv.asc.gpg", Encrypt(key, "ip\n192.0.2.2\n", armor: true))), Token);
        await Server.AppendAsync(Mail("a@example.org", "not encrypted", "", ("plain.csv.gpg", "ip\n192.0.2.9\n"u8.ToArray())), Token);
        var options = Attach() with { AttachRegex = @"\.gpg$", ExtractFiles = false, DecryptOpenpgp = true, OpenpgpSecretKey = keyFile, OpenpgpPassphrase = new Secret("test") };

        var summary = await CollectAsync("intelmq.bots.collectors.mail.collector_mail_attach", options);

        Assert.Equal((2L, 1L), (summary.Events, summary.Dumped));
        Assert.Equal([("ip\n192.0.2.1\n", "report.csv.gpg"), ("ip\n192.0.2.2\n", "report.csv.asc.gpg")],
            Reports().Select(r => ((string)r["event.original"]!, (string)r["custom.file_name"]!)).Order());
        Assert.Contains("plain.csv.gpg", File.ReadAllText(DumpPath));
        Assert.Contains("cannot decrypt the attachment", File.ReadAllText(DumpPath));
        Assert.Empty(await Server.UnreadAsync(Token));
    }

    [Fact]
    public async Task A_mail_encrypted_whole_with_PGP_MIME_is_decrypted_before_its_attachments_are_looked_for()
    {
        var (keyFile, key) = PgpSecretKeyFile("test");
        var inner = new BodyBuilder { TextBody = "the report is attached" };
        inner.Attachments.Add("report.csv", "ip\n192.0.2.3\n"u8.ToArray(), new ContentType("application", "octet-stream"));
        using var clear = new MemoryStream();
        await inner.ToMessageBody().WriteToAsync(clear, Token);
        var encrypted = new MultipartEncrypted();
        encrypted.ContentType.Parameters["protocol"] = "application/pgp-encrypted";
        encrypted.Add(new ApplicationPgpEncrypted());
        encrypted.Add(new MimePart("application", "octet-stream") { Content = new MimeContent(new MemoryStream(Encrypt(key, Encoding.UTF8.GetString(clear.ToArray()), armor: true))), FileName = "encrypted.asc" });
        var message = Mail("a@example.org", "PGP/MIME", "");
        message.Body = encrypted;
        await Server.AppendAsync(message, Token);

        var summary = await CollectAsync("mail-attach-collector", Attach() with { AttachRegex = "csv", DecryptOpenpgp = true, OpenpgpSecretKey = keyFile, OpenpgpPassphrase = new Secret("test") });

        Assert.Equal((1L, 0L), (summary.Events, summary.Dumped));
        var report = Assert.Single(Reports());
        Assert.Equal(("ip\n192.0.2.3\n", "report.csv"), (report["event.original"], report["custom.file_name"]));
        Assert.Empty(await Server.UnreadAsync(Token));
    }

    [Fact]
    public void Decryption_with_a_wrong_passphrase_or_only_IntelMQs_gpg_home_is_refused_at_start_saying_what_to_give()
    {
        var (keyFile, _) = PgpSecretKeyFile("test");
        var program = Programs.Catalog.Resolve("mail-attach-collector");

        var wrong = Assert.Throws<ConfigurationException>(() => program.Create(Attach() with { DecryptOpenpgp = true, OpenpgpSecretKey = keyFile, OpenpgpPassphrase = new Secret("WRONG") }, ProgramContext.Default));
        var home = Assert.Throws<ConfigurationException>(() => program.Create(Attach() with { DecryptOpenpgp = true, GpgHome = "/var/lib/intelmq/.gnupg" }, ProgramContext.Default));

        Assert.Contains("openpgp_passphrase does not unlock", wrong.Message);
        Assert.Contains("gpg --homedir /var/lib/intelmq/.gnupg --export-secret-keys --armor", home.Message);
    }

    /// <summary>A new RSA key whose secret part is written ASCII-armored, as `gpg --export-secret-keys --armor` writes it.</summary>
    (string Path, PgpPublicKey Key) PgpSecretKeyFile(string passphrase)
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(0x10001), new SecureRandom(), 2048, 12));
        var pair = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, generator.GenerateKeyPair(), DateTime.UtcNow);
        var ring = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, pair, "CERT <cert@example.org>", SymmetricKeyAlgorithmTag.Aes256,
            passphrase.ToCharArray(), true, null, null, new SecureRandom()).GenerateSecretKeyRing();
        var path = System.IO.Path.Combine(_dir, $"secret-{Guid.NewGuid():N}.asc");
        using (var file = File.Create(path))
        using (var armored = new ArmoredOutputStream(file))
            ring.Encode(armored);
        return (path, pair.PublicKey);
    }

    static byte[] Encrypt(PgpPublicKey key, string text, bool armor)
    {
        var output = new MemoryStream();
        // A closed MemoryStream still gives its bytes.
        using (Stream target = armor ? new ArmoredOutputStream(output) : output)
        {
            var generator = new PgpEncryptedDataGenerator(SymmetricKeyAlgorithmTag.Aes256, true, new SecureRandom());
            generator.AddMethod(key);
            var bytes = Encoding.UTF8.GetBytes(text);
            using var encrypted = generator.Open(target, new byte[1 << 12]);
            var compressor = new PgpCompressedDataGenerator(CompressionAlgorithmTag.Zip);
            using (var compressed = compressor.Open(encrypted))
            using (var literal = new PgpLiteralDataGenerator().Open(compressed, PgpLiteralData.Binary, "report.csv", bytes.Length, DateTime.UtcNow))
                literal.Write(bytes);
        }
        return output.ToArray();
    }

    [Fact]
    public void Every_mail_attach_configuration_of_IntelMQs_feed_list_binds()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.mail.collector_mail_attach");
        var entries = IntelMQFeeds.Collectors("intelmq.bots.collectors.mail.collector_mail_attach");
        Assert.Equal(3, entries.Count);
        foreach (var (feed, parameters) in entries)
        {
            CollectorSettings.Take(parameters);
            var options = (MailAttachCollectorOptions)OptionBinder.Bind(program, parameters)!;
            Assert.True(options.MailSsl, feed);
            // IntelMQ's CERT-Bund entry doubles its backslashes in a plain YAML scalar: \\[ opens a set, which Python's re refuses too.
            if (options.SubjectRegex?.Contains(@"\\[") == true)
                Assert.Contains("subject_regex", Assert.Throws<ConfigurationException>(() => program.Create(options, ProgramContext.Default)).Message);
            else
                Assert.IsType<MailAttachCollector>(program.Create(options, ProgramContext.Default));
        }
    }

    sealed class NoState : ICollectorState
    {
        public string? Get(string key) => null;
    }
}

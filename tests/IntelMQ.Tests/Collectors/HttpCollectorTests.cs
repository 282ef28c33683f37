using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using IntelMQ.Cli;
using IntelMQ.Collectors.Http;
using IntelMQ.Core;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using Microsoft.AspNetCore.Http;
using Org.BouncyCastle.Bcpg;
using Org.BouncyCastle.Bcpg.OpenPgp;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;

namespace IntelMQ.Tests.Collectors;

/// <summary>The HTTP collector against a Kestrel server: conditional requests, unpacking, failures, TLS, and IntelMQ's parameters.</summary>
public sealed class HttpCollectorTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("intelmq-http-").FullName;
    readonly StringWriter _log = new();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    string Output => Path.Combine(_dir, "reports.jsonl");
    string DumpPath => Path.Combine(_dir, "dump.jsonl");

    static CancellationToken Token => TestContext.Current.CancellationToken;

    async Task<RunSummary> CollectAsync(HttpCollectorOptions options)
    {
        var host = new CollectorHost(new CollectorHostOptions
        {
            Program = Programs.Catalog.Resolve("http-collector"),
            Options = options,
            Context = new ProgramContext { Id = "feed" },
            Outputs = new Dictionary<string, IReadOnlyList<string>> { ["_default"] = [$"file:{Output}"] },
            DumpPath = DumpPath,
            StatePath = Path.Combine(_dir, "state", "feed.json"),
            Feed = new Dictionary<string, string> { ["feed.name"] = "Test Feed", ["feed.provider"] = "Test Provider", ["feed.accuracy"] = "90" },
            Backoff = new Backoff(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(5)),
        }, ChannelCatalog.WithBuiltIns(), new ChannelContext("feed", 0, _log));
        await using (host) return await host.RunAsync(Token, Token);
    }

    List<Event> Reports() => File.Exists(Output) ? File.ReadAllLines(Output).SelectMany(l => EventJson.Read(Encoding.UTF8.GetBytes(l))).ToList() : [];

    /// <summary>Serves <paramref name="body"/> with an ETag, answering 304 to a request that has it already.</summary>
    static Func<HttpContext, Task> WithETag(Func<string> body) => async context =>
    {
        var content = body();
        var etag = $"\"{content.GetHashCode():x8}\"";
        if (context.Request.Headers.IfNoneMatch == etag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }
        context.Response.Headers.ETag = etag;
        await context.Response.WriteAsync(content);
    };

    [Fact]
    public async Task A_feed_is_handed_on_once_per_change_asked_for_with_its_ETag()
    {
        var body = "ip\n192.0.2.1\n";
        await using var server = await FeedServer.StartAsync(WithETag(() => body));
        var options = new HttpCollectorOptions { HttpUrl = server.Url("feeds/blocklist.csv") };

        Assert.Equal(1, (await CollectAsync(options)).Events);
        Assert.Equal(0, (await CollectAsync(options)).Events);
        body = "ip\n192.0.2.2\n";
        Assert.Equal(1, (await CollectAsync(options)).Events);

        Assert.Equal(["ip\n192.0.2.1\n", "ip\n192.0.2.2\n"], Reports().Select(r => (string)r["event.original"]!));
        var requests = server.Requests.ToList();
        Assert.False(requests[0].Headers.ContainsKey("If-None-Match"));
        Assert.Equal(requests[1].Headers["If-None-Match"], requests[2].Headers["If-None-Match"]);
    }

    [Fact]
    public async Task A_server_without_validators_is_recognised_as_unchanged_by_the_body_hash()
    {
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync("ip\n192.0.2.1\n"));
        var options = new HttpCollectorOptions { HttpUrl = server.Url("list.txt") };

        Assert.Equal(1, (await CollectAsync(options)).Events);
        Assert.Equal(0, (await CollectAsync(options)).Events);
        Assert.Equal(2, server.Requests.Count);
        Assert.Single(Reports());
    }

    [Fact]
    public async Task A_report_carries_the_feed_the_url_the_file_name_and_the_collection_time()
    {
        await using var server = await FeedServer.StartAsync(context =>
        {
            if (context.Request.Path == "/export") context.Response.Headers.ContentDisposition = "attachment; filename=\"2024-05-01-scan_smb-geo.csv\"";
            return context.Response.WriteAsync("ip\n192.0.2.1\n");
        });

        await CollectAsync(new HttpCollectorOptions { HttpUrl = server.Url("export?day=2024-05-01") });
        File.Delete(Path.Combine(_dir, "state", "feed.json"));
        await CollectAsync(new HttpCollectorOptions { HttpUrl = server.Url("data/c2-ipmasterlist.txt") });

        var reports = Reports();
        Assert.Equal(["2024-05-01-scan_smb-geo.csv", "c2-ipmasterlist.txt"], reports.Select(r => (string)r["custom.file_name"]!));
        Assert.Equal(server.Url("export?day=2024-05-01"), reports[0]["feed.url"]);
        Assert.All(reports, r => Assert.Equal(("Test Feed", "Test Provider"), (r["feed.name"], r["feed.provider"])));
        Assert.All(reports, r => Assert.Equal(90.0, Convert.ToDouble(r["feed.accuracy"])));
        Assert.All(reports, r => Assert.NotNull(r["event.created"]));
    }

    [Fact]
    public async Task A_gzip_download_is_unpacked_and_named_after_its_file()
    {
        var gzip = Gzip("[{\"url\": \"http://phish.example/\"}]");
        await using var server = await FeedServer.StartAsync(context => context.Response.Body.WriteAsync(gzip).AsTask());

        await CollectAsync(new HttpCollectorOptions { HttpUrl = server.Url("data/online-valid.json.gz"), ExtractFiles = "True" });

        var report = Assert.Single(Reports());
        Assert.Equal(("online-valid.json", "[{\"url\": \"http://phish.example/\"}]"), (report["custom.file_name"], report["event.original"]));
    }

    [Fact]
    public async Task Every_file_of_a_zip_is_a_report_and_the_checkpoint_rides_on_the_last()
    {
        var zip = Zip(("a.csv", "ip\n192.0.2.1\n"), ("dir/b.csv", "ip\n192.0.2.2\n"));
        await using var server = await FeedServer.StartAsync(context => context.Response.Body.WriteAsync(zip).AsTask());
        var options = new HttpCollectorOptions { HttpUrl = server.Url("reports.zip"), ExtractFiles = "true" };

        var reports = new List<(string Name, int Checkpoint)>();
        using var collector = new HttpCollector(options, ProgramContext.Default);
        await foreach (var report in collector.CollectAsync(new NoState(), Token))
            await using (report) reports.Add(((string)report.Report["custom.file_name"]!, report.Checkpoint.Count));

        Assert.Equal([("a.csv", 0), ("dir/b.csv", 4)], reports);
    }

    [Fact]
    public async Task A_tar_gz_member_filter_takes_only_the_named_files()
    {
        var archive = TarGz(("blacklists/phishing/domains", "phish.example\n"), ("blacklists/phishing/urls", "http://phish.example/\n"), ("blacklists/malware/domains", "mal.example\n"));
        await using var server = await FeedServer.StartAsync(context => context.Response.Body.WriteAsync(archive).AsTask());

        // IntelMQ's list, as a YAML list binds: names joined by commas; a bare file name matches in any folder.
        var summary = await CollectAsync(new HttpCollectorOptions { HttpUrl = server.Url("download/phishing.tar.gz"), ExtractFiles = "blacklists/phishing/domains,urls" });

        Assert.Equal(2, summary.Events);
        Assert.Equal(["blacklists/phishing/domains", "blacklists/phishing/urls"], Reports().Select(r => (string)r["custom.file_name"]!));
    }

    [Fact]
    public async Task A_corrupt_archive_member_is_dumped_with_its_name_and_the_others_are_sent()
    {
        var zip = Zip(("good.csv", "ip\n192.0.2.1\n"), ("bad.csv", "ip\n192.0.2.2\n192.0.2.3\n"));
        var at = zip.AsSpan().IndexOf("192.0.2.3"u8);
        zip[at] ^= 0x55;
        await using var server = await FeedServer.StartAsync(context => context.Response.Body.WriteAsync(zip).AsTask());
        var options = new HttpCollectorOptions { HttpUrl = server.Url("reports.zip"), ExtractFiles = "true" };

        var summary = await CollectAsync(options);

        Assert.Equal((1L, 1L), (summary.Events, summary.Dumped));
        Assert.Equal("good.csv", Assert.Single(Reports())["custom.file_name"]);
        var dumped = File.ReadAllText(DumpPath);
        Assert.Contains("bad.csv", dumped);
        Assert.Contains("corrupt", dumped);
        Assert.Equal(0, (await CollectAsync(options)).Events + (await CollectAsync(options)).Dumped);
    }

    [Fact]
    public async Task A_busy_server_is_a_transient_failure_that_keeps_its_Retry_After()
    {
        await using var server = await FeedServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = "120";
            return Task.CompletedTask;
        });
        using var collector = new HttpCollector(new HttpCollectorOptions { HttpUrl = server.LocalhostUrl("feed.csv") }, ProgramContext.Default);

        var error = await Assert.ThrowsAsync<TransientException>(async () => await collector.CollectAsync(new NoState(), Token).ToListAsync(Token));

        Assert.Equal(TimeSpan.FromSeconds(120), error.RetryAfter);
        Assert.Contains("503", error.Message);
        // The server's Retry-After holds for every collector of the process: the next one does not ask before it ends.
        var oneShot = await Assert.ThrowsAsync<ChannelUnavailableException>(() => CollectAsync(new HttpCollectorOptions { HttpUrl = server.LocalhostUrl("feed.csv") }));
        Assert.Contains("(Retry-After)", oneShot.Message);
        Assert.Single(server.Requests);
        Assert.Empty(Reports());
    }

    [Fact]
    public async Task A_silent_server_is_tried_http_timeout_max_tries_times_then_counts_as_down()
    {
        using var release = new CancellationTokenSource();
        await using var server = await FeedServer.StartAsync(async context =>
        {
            try { await Task.Delay(Timeout.Infinite, release.Token); } catch (OperationCanceledException) { }
        });
        using var collector = new HttpCollector(new HttpCollectorOptions { HttpUrl = server.Url("feed.csv"), HttpTimeoutSec = "0.2", HttpTimeoutMaxTries = 2 }, ProgramContext.Default);

        var error = await Assert.ThrowsAsync<TransientException>(async () => await collector.CollectAsync(new NoState(), Token).ToListAsync(Token));
        release.Cancel();

        Assert.Contains("2 tries", error.Message);
        Assert.Equal(2, server.Requests.Count);
    }

    [Fact]
    public async Task A_refusal_is_not_transient_and_names_the_status()
    {
        await using var server = await FeedServer.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        using var collector = new HttpCollector(new HttpCollectorOptions { HttpUrl = server.Url("gone.csv") }, ProgramContext.Default);

        var error = await Assert.ThrowsAsync<IOException>(async () => await collector.CollectAsync(new NoState(), Token).ToListAsync(Token));
        Assert.Contains("404", error.Message);
    }

    [Fact]
    public async Task Basic_authentication_and_http_header_are_sent_and_the_secrets_never_printed()
    {
        await using var server = await FeedServer.StartAsync(context =>
            context.Request.Headers.Authorization == "Basic " + Convert.ToBase64String("feeds:s3cret"u8.ToArray()) && context.Request.Headers["X-Api-Key"] == "k3y"
                ? context.Response.WriteAsync("ok\n")
                : Task.FromResult(context.Response.StatusCode = StatusCodes.Status401Unauthorized));
        var program = Programs.Catalog.Resolve("http-collector");
        var options = (HttpCollectorOptions)OptionBinder.Bind(program, new Dictionary<string, object?>
        {
            ["http_url"] = server.Url("private.csv"), ["http_username"] = "feeds", ["http_password"] = "s3cret", ["http_header"] = "{\"X-Api-Key\": \"k3y\"}",
        })!;

        Assert.Equal(1, (await CollectAsync(options)).Events);
        Assert.DoesNotContain("s3cret", options.ToString());
        Assert.DoesNotContain("k3y", options.ToString());
    }

    [Fact]
    public async Task Requests_go_through_http_proxy()
    {
        await using var proxy = await FeedServer.StartAsync(context => context.Response.WriteAsync($"via proxy for {context.Request.Host}\n"));

        await CollectAsync(new HttpCollectorOptions { HttpUrl = "http://feeds.example/list.txt", HttpProxy = proxy.Root.ToString() });

        Assert.Equal("via proxy for feeds.example\n", Assert.Single(Reports())["event.original"]);
    }

    [Fact]
    public async Task TLS_is_verified_by_default_against_the_system_CAs_or_http_verify_cert()
    {
        using var certificates = new TestCertificates(_dir);
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync("ok\n"), certificates.Server);
        var url = server.Url("feed.csv");

        using (var strict = new HttpCollector(new HttpCollectorOptions { HttpUrl = url }, ProgramContext.Default))
        {
            var error = await Assert.ThrowsAsync<IOException>(async () => await strict.CollectAsync(new NoState(), Token).ToListAsync(Token));
            Assert.Contains("TLS", error.Message);
        }
        Assert.Equal(1, (await CollectAsync(new HttpCollectorOptions { HttpUrl = url, HttpVerifyCert = certificates.AuthorityPem })).Events);
        File.Delete(Path.Combine(_dir, "state", "feed.json"));
        Assert.Equal(1, (await CollectAsync(new HttpCollectorOptions { HttpUrl = url, HttpVerifyCert = "False" })).Events);
    }

    [Fact]
    public async Task A_server_that_asks_for_a_client_certificate_gets_ssl_client_certificate()
    {
        using var certificates = new TestCertificates(_dir);
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync($"hello {context.Connection.ClientCertificate?.Subject}\n"),
            certificates.Server, client => client.Thumbprint == certificates.Client.Thumbprint);

        await CollectAsync(new HttpCollectorOptions { HttpUrl = server.Url("feed.csv"), HttpVerifyCert = certificates.AuthorityPem, SslClientCertificate = certificates.ClientPem });

        Assert.Equal("hello CN=intelmq-collector\n", Assert.Single(Reports())["event.original"]);
    }

    [Fact]
    public async Task A_download_is_handed_on_only_when_its_OpenPGP_signature_verifies()
    {
        var key = PgpKey();
        var keyring = Path.Combine(_dir, "keyring.gpg");
        File.WriteAllBytes(keyring, key.PublicRing.GetEncoded());
        var body = "ip\n192.0.2.1\n";
        var signature = Sign(key.Pair, body);
        await using var server = await FeedServer.StartAsync(context =>
            context.Request.Path == "/greylist.csv.asc" ? context.Response.WriteAsync(signature) : context.Response.WriteAsync(body));
        var options = new HttpCollectorOptions
        {
            HttpUrl = server.Url("greylist.csv"), VerifyPgpSignatures = true, SignatureUrl = server.Url("greylist.csv.asc"), GpgKeyring = keyring,
        };

        Assert.Equal(1, (await CollectAsync(options)).Events);
        body = "ip\n192.0.2.66\n";
        using var collector = new HttpCollector(options, ProgramContext.Default);
        var error = await Assert.ThrowsAsync<IOException>(async () => await collector.CollectAsync(new NoState(), Token).ToListAsync(Token));
        Assert.Contains("does not match", error.Message);
        Assert.Single(Reports());
    }

    [Fact]
    public void Every_collector_http_configuration_of_IntelMQs_feed_list_binds()
    {
        var program = Programs.Catalog.Resolve("intelmq.bots.collectors.http.collector_http");
        var entries = IntelMQFeeds.Collectors("intelmq.bots.collectors.http.collector_http");
        Assert.True(entries.Count >= 60, $"{entries.Count} entries");
        foreach (var (feed, parameters) in entries)
        {
            // As an operator fills them in: {{ your API key }}, __USERNAME__.
            var url = Regex.Replace((string)parameters["http_url"]!, @"\{\{[^}]*\}\}|__[A-Z]+__", "placeholder");
            parameters["http_url"] = url.StartsWith("http") ? url : "https://portal.example/" + url;
            CollectorSettings.Take(parameters);
            var options = (HttpCollectorOptions)OptionBinder.Bind(program, parameters)!;
            Assert.False(string.IsNullOrEmpty(options.HttpUrl), feed);
            if (options.VerifyPgpSignatures)
                Assert.Contains("gpg_keyring", Assert.Throws<ConfigurationException>(() => program.Create(options, ProgramContext.Default)).Message);
            else
                using (Assert.IsType<HttpCollector>(program.Create(options, ProgramContext.Default))) { }
        }
    }

    [Fact]
    public void Url_formatting_puts_in_the_local_date_shifted_by_a_timedelta()
    {
        var now = new DateTimeOffset(2019, 1, 1, 0, 30, 0, TimeSpan.Zero);
        string Format(string url, string? formatting) => UrlFormatting.Parse(url, formatting, "http_url_formatting", "test")?.Format(now) ?? url;

        Assert.Equal("https://haas.nic.cz/stats/export/2018/12/2018-12-31.json.gz", Format("https://haas.nic.cz/stats/export/{time[%Y/%m/%Y-%m-%d]}.json.gz", "{\"days\": -1}"));
        Assert.Equal("https://www.cymru.com/$certname/$certname_20190101.txt", Format("https://www.cymru.com/$certname/$certname_{time[%Y%m%d]}.txt", "True"));
        Assert.Equal("http://x/{time[%Y]}", Format("http://x/{time[%Y]}", "false"));
        Assert.Equal("http://x/{2019}-00:30", Format("http://x/{{{time[%Y]}}}-{time[%H:%M]}", "true"));
        Assert.Equal("http://x/2018-12-31T23", Format("http://x/{time[%Y-%m-%dT%H]}", "{\"hours\": -1, \"minutes\": 0}"));
        Assert.Contains("is not time[FORMAT]", Assert.Throws<ConfigurationException>(() => Format("http://x/{collection}", "true")).Message);
        Assert.Contains("%Q", Assert.Throws<ConfigurationException>(() => Format("http://x/{time[%Q]}", "true")).Message);
        Assert.Contains("timedelta", Assert.Throws<ConfigurationException>(() => Format("http://x/", "{\"fortnights\": 1}")).Message);
    }

    [Fact]
    public async Task A_one_shot_run_sends_a_changed_feed_once_and_after_a_failed_hand_off_sends_it_with_the_next_run()
    {
        await using var server = await FeedServer.StartAsync(WithETag(() => "ip\n192.0.2.1\n"));
        using var intelmq = new IntelMQCommand();
        var reports = intelmq.PathOf("reports.jsonl");
        string[] Run(string output) => ["run", "intelmq.bots.collectors.http.collector_http", "--set", $"http_url={server.Url("feed.csv")}", "--set", "name=Test Feed", "--output", output];

        var unreachable = intelmq.Run("", Run("redis://127.0.0.1:1/2?queue=test-parser-queue"));
        Assert.NotEqual(0, unreachable.ExitCode);
        var first = intelmq.Run("", Run($"file:{reports}"));
        var second = intelmq.Run("", Run($"file:{reports}"));

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        var report = Assert.Single(File.ReadAllLines(reports));
        Assert.Contains("Test Feed", report);
        Assert.Contains("0 messages", second.Stderr);
    }

    sealed class NoState : ICollectorState
    {
        public string? Get(string key) => null;
    }

    static byte[] Gzip(string text)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    static byte[] Zip(params (string Name, string Text)[] files)
    {
        var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, text) in files)
                using (var entry = zip.CreateEntry(name, CompressionLevel.NoCompression).Open())
                    entry.Write(Encoding.UTF8.GetBytes(text));
        return buffer.ToArray();
    }

    static byte[] TarGz(params (string Name, string Text)[] files)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
            foreach (var (name, text) in files)
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
        return buffer.ToArray();
    }

    static (PgpKeyPair Pair, PgpPublicKeyRing PublicRing) PgpKey()
    {
        var generator = new RsaKeyPairGenerator();
        generator.Init(new RsaKeyGenerationParameters(BigInteger.ValueOf(0x10001), new SecureRandom(), 2048, 12));
        var pair = new PgpKeyPair(PublicKeyAlgorithmTag.RsaGeneral, generator.GenerateKeyPair(), DateTime.UtcNow);
        var ring = new PgpKeyRingGenerator(PgpSignature.PositiveCertification, pair, "Feed signer <signer@example.org>", SymmetricKeyAlgorithmTag.Aes256,
            "passphrase".ToCharArray(), true, null, null, new SecureRandom());
        return (pair, ring.GeneratePublicKeyRing());
    }

    static string Sign(PgpKeyPair key, string content)
    {
        var generator = new PgpSignatureGenerator(PublicKeyAlgorithmTag.RsaGeneral, HashAlgorithmTag.Sha256);
        generator.InitSign(PgpSignature.BinaryDocument, key.PrivateKey);
        var bytes = Encoding.UTF8.GetBytes(content);
        generator.Update(bytes, 0, bytes.Length);
        var armored = new MemoryStream();
        using (var output = new ArmoredOutputStream(armored)) generator.Generate().Encode(output);
        return Encoding.ASCII.GetString(armored.ToArray());
    }
}

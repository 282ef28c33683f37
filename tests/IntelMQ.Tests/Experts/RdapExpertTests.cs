using System.Collections.Concurrent;
using IntelMQ.Core;
using IntelMQ.Experts.Rdap;
using IntelMQ.Tests.Collectors;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts;

/// <summary>Against a local RDAP server answering domain queries as RFC 9083 shows them, found through an RFC 9224 bootstrap file.</summary>
public sealed class RdapExpertTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("rdap-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static string Entity(string roles, string? email, string nested = "")
    {
        var emailProperty = email is null ? "" : ", [\"email\", {\"type\": \"work\"}, \"text\", \"" + email + "\"]";
        var entities = nested.Length > 0 ? ", \"entities\": [" + nested + "]" : "";
        return "{\"objectClassName\": \"entity\", \"handle\": \"H1\", \"roles\": [" + roles + "], "
            + "\"vcardArray\": [\"vcard\", [[\"version\", {}, \"text\", \"4.0\"], [\"fn\", {}, \"text\", \"Someone\"]" + emailProperty + "]]" + entities + "}";
    }

    static string Domain(string name, params string[] entities) => $$"""
        {"objectClassName": "domain", "handle": "D7-EX", "ldhName": "{{name}}", "rdapConformance": ["rdap_level_0"], "status": ["active"],
         "entities": [{{string.Join(", ", entities)}}],
         "events": [{"eventAction": "registration", "eventDate": "2014-04-29T14:08:54Z"}],
         "notices": [{"title": "Terms of service", "description": ["For tests."]}]}
        """;

    static readonly string NicVersicherung = Domain("nic.versicherung",
        Entity("\"registrant\", \"administrative\"", null),
        "null",
        Entity("\"technical\"", "service@tld-box.example"),
        Entity("\"registrar\"", null, Entity("\"abuse\"", "abuse@registrar.example")));

    /// <summary>Answers /rdap/domain/NAME from a table, 404 otherwise; counts requests and how many ran at once.</summary>
    sealed class Registry
    {
        int _inFlight;
        public ConcurrentDictionary<string, (int Status, string Body)> Domains { get; } = new();
        public TimeSpan Delay { get; set; }
        public int MaxInFlight { get; private set; }
        public ConcurrentQueue<string> Asked { get; } = new();

        public async Task AnswerAsync(HttpContext context)
        {
            var name = context.Request.Path.Value!.Split('/')[^1];
            Asked.Enqueue(name);
            var now = Interlocked.Increment(ref _inFlight);
            lock (Asked) MaxInFlight = Math.Max(MaxInFlight, now);
            try
            {
                if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
                var (status, body) = Domains.TryGetValue(name, out var answer) ? answer : (404, """{"errorCode": 404, "title": "Not Found"}""");
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/rdap+json";
                await context.Response.WriteAsync(body, context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    string Bootstrap(FeedServer server)
    {
        var path = Path.Combine(_dir, "dns.json");
        File.WriteAllText(path, $$"""
            {"description": "RDAP bootstrap file for Domain Name System registrations", "publication": "2024-05-01T00:00:00Z", "version": "1.0",
             "services": [[["versicherung", "uk"], ["{{server.Url("rdap/")}}"]], [["moscow"], ["https://flexireg.example/moscow/rdap/"]]]}
            """);
        return path;
    }

    RdapExpert Expert(FeedServer server, RdapExpertOptions? options = null) =>
        new((options ?? new()) with { BootstrapFile = (options?.BootstrapFile is { Length: > 0 } file ? file : Bootstrap(server)) }, ProgramContext.Default);

    static async Task<Event> Process(RdapExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    [Fact]
    public async Task The_abuse_entity_of_the_registrar_comes_before_the_technical_contact()
    {
        var registry = new Registry();
        registry.Domains["nic.versicherung"] = (200, NicVersicherung);
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server), ("source.domain", "nic.versicherung"));

        Assert.Equal("abuse@registrar.example", ev["source.abuse_contact"]);
    }

    [Fact]
    public async Task Rdap_order_chooses_the_role()
    {
        var registry = new Registry();
        registry.Domains["nic.versicherung"] = (200, NicVersicherung);
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server, new() { RdapOrder = ["technical"] }), ("destination.domain", "nic.versicherung"));

        Assert.Equal("service@tld-box.example", ev["destination.abuse_contact"]);
    }

    [Fact]
    public async Task A_host_name_is_asked_as_its_registered_domain()
    {
        var registry = new Registry();
        registry.Domains["example.co.uk"] = (200, Domain("example.co.uk", Entity("\"abuse\"", "abuse@example.co.uk")));
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server), ("source.domain", "www.mail.example.co.uk"));

        Assert.Equal("abuse@example.co.uk", ev["source.abuse_contact"]);
        Assert.Equal(new[] { "co.uk", "example.co.uk" }, registry.Asked);
    }

    [Fact]
    public async Task A_domain_the_registry_does_not_know_leaves_the_event_unchanged()
    {
        var registry = new Registry();
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server), ("source.domain", "this-record-does-not-exist.versicherung"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task A_domain_under_no_known_suffix_is_not_asked()
    {
        var registry = new Registry();
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server), ("source.domain", "example.invalid"));

        Assert.False(ev.Contains("source.abuse_contact"));
        Assert.Empty(registry.Asked);
    }

    [Fact]
    public async Task Without_overwrite_a_contact_the_event_has_is_kept_and_not_asked()
    {
        var registry = new Registry();
        registry.Domains["nic.versicherung"] = (200, NicVersicherung);
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server), ("source.domain", "nic.versicherung"), ("source.abuse_contact", "cert@example.org"));

        Assert.Equal("cert@example.org", ev["source.abuse_contact"]);
        Assert.Empty(registry.Asked);
    }

    [Fact]
    public async Task A_custom_server_comes_before_the_bootstrap_file_and_gets_its_token()
    {
        var registry = new Registry();
        registry.Domains["nic.at"] = (200, Domain("nic.at", Entity("\"abuse\"", "abuse@nic.example")));
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);
        var custom = new Dictionary<string, string> { ["at"] = $$"""{"url": "{{server.Url("custom")}}", "auth": {"type": "jwt", "token": "ey.test"} }""" };

        var ev = await Process(Expert(server, new() { RdapBootstrappedServers = custom }), ("source.domain", "nic.at"));

        Assert.Equal("abuse@nic.example", ev["source.abuse_contact"]);
        var (request, headers) = Assert.Single(server.Requests);
        Assert.Equal("GET /custom/domain/nic.at", request);
        Assert.Equal("Bearer ey.test", headers["Authorization"]);
    }

    [Theory]
    [InlineData(200, "<html>maintenance</html>")]
    [InlineData(503, """{"errorCode": 503}""")]
    [InlineData(429, """{"errorCode": 429}""")]
    public async Task A_broken_answer_passes_the_event_on_unchanged(int status, string body)
    {
        var registry = new Registry();
        registry.Domains["nic.versicherung"] = (status, body);
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server), ("source.domain", "nic.versicherung"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task A_server_that_answers_too_late_passes_the_event_on_unchanged()
    {
        var registry = new Registry { Delay = TimeSpan.FromSeconds(30) };
        registry.Domains["nic.versicherung"] = (200, NicVersicherung);
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);

        var ev = await Process(Expert(server, new() { Timeout = 0.3 }), ("source.domain", "nic.versicherung"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task An_answer_in_the_cache_is_not_asked_again()
    {
        var registry = new Registry();
        registry.Domains["nic.versicherung"] = (200, NicVersicherung);
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);
        var expert = Expert(server);

        await Process(expert, ("source.domain", "nic.versicherung"));
        var ev = await Process(expert, ("source.domain", "www.nic.versicherung"));

        Assert.Equal("abuse@registrar.example", ev["source.abuse_contact"]);
        Assert.Single(registry.Asked);
    }

    [Fact]
    public async Task No_more_requests_run_at_once_than_connections_per_server()
    {
        var registry = new Registry { Delay = TimeSpan.FromMilliseconds(50) };
        await using var server = await FeedServer.StartAsync(registry.AnswerAsync);
        var expert = Expert(server, new() { ConnectionsPerServer = 2 });

        await Task.WhenAll(Enumerable.Range(1, 12).Select(i => Process(expert, ("source.domain", $"d{i}.versicherung"))));

        Assert.Equal(12, registry.Asked.Count);
        Assert.InRange(registry.MaxInFlight, 1, 2);
    }

    [Fact]
    public void Without_a_bootstrap_file_or_custom_servers_it_refuses_to_start()
    {
        var ex = Assert.Throws<ConfigurationException>(() => new RdapExpert(new(), new ProgramContext { DataDirectory = _dir }));

        Assert.Contains("--self-update-db", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Self_update_fetches_the_bootstrap_file_and_keeps_it_when_a_later_download_is_broken()
    {
        var good = """{"version": "1.0", "services": [[["versicherung"], ["https://rdap.example/"]]]}""";
        var body = good;
        await using var server = await FeedServer.StartAsync(context => context.Response.WriteAsync(body));
        var options = new RdapExpertOptions { BootstrapUrl = server.Url("dns.json") };
        var context = new ProgramContext { DataDirectory = _dir };

        var line = await new RdapBootstrapUpdater(options, context).UpdateAsync(TestContext.Current.CancellationToken);
        body = "<html>not json</html>";
        await Assert.ThrowsAsync<IOException>(async () => await new RdapBootstrapUpdater(options, context).UpdateAsync(TestContext.Current.CancellationToken));

        Assert.Contains("1 domain suffixes", line, StringComparison.Ordinal);
        Assert.Equal(good, File.ReadAllText(Path.Combine(_dir, RdapExpert.FileName)));
        Assert.NotNull(new RdapExpert(new(), context));
    }
}

using System.Collections.Concurrent;
using IntelMQ.Core;
using IntelMQ.Experts.Ripe;
using IntelMQ.Tests.Collectors;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Experts;

/// <summary>Against a local server answering as the RIPE database's abuse-contact service and RIPEstat's Data API document.</summary>
public sealed class RipeExpertTests
{
    static string Database(string email, string range) => $$"""
        {"service": {"name": "abuse-contact"}, "link": {"type": "locator", "href": "https://rest.db.ripe.net/abuse-contact/x"},
         "parameters": {"primary-key": {"value": "{{range}}"} },
         "abuse-contacts": {"key": "OPS4-RIPE", "email": "{{email}}", "suspect": false, "org_id": "ORG-EX1-RIPE"},
         "terms-and-conditions": {"type": "locator", "href": "https://apps.db.ripe.net/docs/HTML-Terms-And-Conditions"} }
        """;

    static string Stat(params string[] contacts) => $$"""
        {"messages": [], "see_also": [], "version": "2.1", "data_call_name": "abuse-contact-finder", "data_call_status": "supported", "cached": false,
         "data": {"abuse_contacts": [{{string.Join(", ", contacts.Select(c => $"\"{c}\""))}}], "authoritative_rir": "ripe",
                  "latest_time": "2024-05-01T00:00:00", "earliest_time": "2024-05-01T00:00:00", "parameters": {"resource": "x"} },
         "query_id": "q", "process_time": 10, "server_id": "app1", "build_version": "live", "status": "ok", "status_code": 200, "time": "2024-05-01T00:00:00"}
        """;

    const string Geolocation = """
        {"messages": [], "see_also": [], "version": "1.0", "data_call_name": "maxmind-geo-lite", "data_call_status": "supported", "status": "ok", "status_code": 200,
         "data": {"located_resources": [{"resource": "96.30.37.0/24", "locations": [
             {"country": "US", "city": "", "resources": ["96.30.37.128/25"], "latitude": 37.751, "longitude": -97.822, "covered_percentage": 25.0},
             {"country": "US", "city": "Lansing", "resources": ["96.30.37.0/25"], "latitude": 42.7348, "longitude": -84.6245, "covered_percentage": 75.0}]}],
                  "unknown_percentage": {"v4": 0.0}, "result_time": "2024-05-01T00:00:00", "parameters": {"resource": "96.30.37.204", "resolution": "raw"}}}
        """;

    /// <summary>Answers by path (database) or path and resource (RIPEstat); 404 for anything else. Counts requests and how many ran at once.</summary>
    sealed class Ripe
    {
        int _inFlight;
        public ConcurrentDictionary<string, (int Status, string Body)> Answers { get; } = new();
        public TimeSpan Delay { get; set; }
        public int MaxInFlight { get; private set; }
        public ConcurrentQueue<string> Asked { get; } = new();

        public async Task AnswerAsync(HttpContext context)
        {
            var key = context.Request.Path + (context.Request.Query["resource"] is { Count: > 0 } resource ? "?resource=" + resource : "");
            Asked.Enqueue(key);
            var now = Interlocked.Increment(ref _inFlight);
            lock (Asked) MaxInFlight = Math.Max(MaxInFlight, now);
            try
            {
                if (Delay > TimeSpan.Zero) await Task.Delay(Delay, context.RequestAborted);
                var (status, body) = Answers.TryGetValue(key, out var answer) ? answer : (404, """{"errormessages": {"errormessage": [{"severity": "Error", "text": "not found"}]}}""");
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(body, context.RequestAborted);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    static RipeExpertOptions Only(bool dbIp = false, bool dbAsn = false, bool statIp = false, bool statAsn = false, bool geolocation = false) => new()
    {
        QueryRipeDbIp = dbIp, QueryRipeDbAsn = dbAsn, QueryRipeStatIp = statIp, QueryRipeStatAsn = statAsn, QueryRipeStatGeolocation = geolocation,
    };

    static RipeExpert Expert(FeedServer server, RipeExpertOptions options) =>
        new(options with { RipeDbUrl = server.Url("db/"), RipeStatUrl = server.Url("stat/") }, ProgramContext.Default);

    static async Task<Event> Process(RipeExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    [Fact]
    public async Task The_database_gives_the_contacts_of_addresses_and_as_numbers_each_once()
    {
        var ripe = new Ripe();
        ripe.Answers["/db/193.0.6.139.json"] = (200, Database("abuse@ripe.example", "193.0.0.0 - 193.0.23.255"));
        ripe.Answers["/db/193.238.157.5.json"] = (200, Database("abuse@funkfeuer.example", "193.238.156.0 - 193.238.159.255"));
        ripe.Answers["/db/as35492.json"] = (200, Database("abuse@funkfeuer.example", "AS35492"));
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(dbIp: true, dbAsn: true)),
            ("source.ip", "193.0.6.139"), ("destination.ip", "193.238.157.5"), ("destination.as.number", 35492L));

        Assert.Equal("abuse@ripe.example", ev["source.abuse_contact"]);
        Assert.Equal("abuse@funkfeuer.example", ev["destination.abuse_contact"]);
    }

    [Fact]
    public async Task Ripestat_contacts_follow_the_database_contact()
    {
        var ripe = new Ripe();
        ripe.Answers["/db/193.0.6.139.json"] = (200, Database("abuse@ripe.example", "193.0.0.0 - 193.0.23.255"));
        ripe.Answers["/stat/abuse-contact-finder/data.json?resource=193.0.6.139"] = (200, Stat("abuse@ripe.example", "noc@ripe.example"));
        ripe.Answers["/stat/abuse-contact-finder/data.json?resource=AS3333"] = (200, Stat("as@ripe.example"));
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(dbIp: true, statIp: true, statAsn: true)), ("source.ip", "193.0.6.139"), ("source.as.number", 3333L));

        Assert.Equal("abuse@ripe.example,noc@ripe.example,as@ripe.example", ev["source.abuse_contact"]);
    }

    [Fact]
    public async Task Append_mode_keeps_the_contact_the_event_has_and_adds_the_others()
    {
        var ripe = new Ripe();
        ripe.Answers["/stat/abuse-contact-finder/data.json?resource=193.0.6.139"] = (200, Stat("abuse@ripe.example", "cert@example.org"));
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(statIp: true)), ("source.ip", "193.0.6.139"), ("source.abuse_contact", "cert@example.org"));

        Assert.Equal("cert@example.org,abuse@ripe.example", ev["source.abuse_contact"]);
    }

    [Fact]
    public async Task Replace_mode_removes_a_contact_when_the_services_have_none()
    {
        var ripe = new Ripe();
        ripe.Answers["/stat/abuse-contact-finder/data.json?resource=193.0.6.139"] = (200, Stat());
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(statIp: true) with { Mode = RipeMode.Replace }), ("source.ip", "193.0.6.139"), ("source.abuse_contact", "bla@example.com"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task A_404_from_the_database_means_no_contact()
    {
        var ripe = new Ripe();
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(dbAsn: true)), ("source.as.number", 7713L));

        Assert.False(ev.Contains("source.abuse_contact"));
        Assert.Equal(new[] { "/db/as7713.json" }, ripe.Asked);
    }

    [Fact]
    public async Task The_database_answer_for_address_space_ripe_does_not_manage_gives_no_contact()
    {
        var ripe = new Ripe();
        ripe.Answers["/db/23.0.0.1.json"] = (200, Database("iana@example.net", "0.0.0.0 - 255.255.255.255"));
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(dbIp: true)), ("source.ip", "23.0.0.1"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task Geolocation_fills_only_missing_fields_in_append_mode()
    {
        var ripe = new Ripe();
        ripe.Answers["/stat/maxmind-geo-lite/data.json?resource=96.30.37.204"] = (200, Geolocation);
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(geolocation: true)), ("source.ip", "96.30.37.204"), ("source.geo.country_iso_code", "IN"));

        Assert.Equal("IN", ev["source.geo.country_iso_code"]);
        Assert.Equal("Lansing", ev["source.geo.city_name"]);
        Assert.Equal(42.7348, Convert.ToDouble(ev["source.geo.location.lat"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(-84.6245, Convert.ToDouble(ev["source.geo.location.lon"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Geolocation_replaces_fields_in_replace_mode()
    {
        var ripe = new Ripe();
        ripe.Answers["/stat/maxmind-geo-lite/data.json?resource=96.30.37.204"] = (200, Geolocation);
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(geolocation: true) with { Mode = RipeMode.Replace }), ("source.ip", "96.30.37.204"), ("source.geo.country_iso_code", "IN"));

        Assert.Equal("US", ev["source.geo.country_iso_code"]);
    }

    [Theory]
    [InlineData(200, "not valid JSON")]
    [InlineData(500, """{"status": "error"}""")]
    [InlineData(200, """{"status": "error", "messages": [["error", "rate limited"]]}""")]
    public async Task A_broken_answer_passes_the_event_on_unchanged(int status, string body)
    {
        var ripe = new Ripe();
        ripe.Answers["/stat/abuse-contact-finder/data.json?resource=193.0.6.139"] = (status, body);
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(statIp: true) with { Mode = RipeMode.Replace }), ("source.ip", "193.0.6.139"), ("source.abuse_contact", "cert@example.org"));

        Assert.Equal("cert@example.org", ev["source.abuse_contact"]);
    }

    [Fact]
    public async Task A_server_that_answers_too_late_passes_the_event_on_unchanged()
    {
        var ripe = new Ripe { Delay = TimeSpan.FromSeconds(30) };
        ripe.Answers["/db/193.0.6.139.json"] = (200, Database("abuse@ripe.example", "193.0.0.0 - 193.0.23.255"));
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        var ev = await Process(Expert(server, Only(dbIp: true) with { Timeout = 0.3 }), ("source.ip", "193.0.6.139"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task An_answer_in_the_cache_is_not_asked_again()
    {
        var ripe = new Ripe();
        ripe.Answers["/db/193.0.6.139.json"] = (200, Database("abuse@ripe.example", "193.0.0.0 - 193.0.23.255"));
        ripe.Answers["/stat/maxmind-geo-lite/data.json?resource=193.0.6.139"] = (200, Geolocation);
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);
        var expert = Expert(server, Only(dbIp: true, geolocation: true));

        await Process(expert, ("source.ip", "193.0.6.139"));
        var ev = await Process(expert, ("destination.ip", "193.0.6.139"));

        Assert.Equal("abuse@ripe.example", ev["destination.abuse_contact"]);
        Assert.Equal(2, ripe.Asked.Count);
    }

    [Fact]
    public async Task Private_addresses_and_as_numbers_are_not_asked()
    {
        var ripe = new Ripe();
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);

        await Process(Expert(server, new RipeExpertOptions()), ("source.ip", "10.0.0.1"), ("source.as.number", 64512L), ("destination.ip", "224.0.0.1"));

        Assert.Empty(ripe.Asked);
    }

    [Fact]
    public async Task Concurrent_events_with_one_address_share_one_request()
    {
        var ripe = new Ripe { Delay = TimeSpan.FromMilliseconds(100) };
        ripe.Answers["/db/193.0.6.139.json"] = (200, Database("abuse@ripe.example", "193.0.0.0 - 193.0.23.255"));
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);
        var expert = Expert(server, Only(dbIp: true));

        var events = await Task.WhenAll(Enumerable.Range(1, 8).Select(_ => Process(expert, ("source.ip", "193.0.6.139"))));

        Assert.All(events, ev => Assert.Equal("abuse@ripe.example", ev["source.abuse_contact"]));
        Assert.Single(ripe.Asked);
    }

    [Fact]
    public async Task No_more_requests_run_at_once_than_connections_per_server()
    {
        var ripe = new Ripe { Delay = TimeSpan.FromMilliseconds(50) };
        await using var server = await FeedServer.StartAsync(ripe.AnswerAsync);
        var expert = Expert(server, Only(dbIp: true) with { ConnectionsPerServer = 2 });

        await Task.WhenAll(Enumerable.Range(1, 12).Select(i => Process(expert, ("source.ip", $"193.0.6.{i}"))));

        Assert.Equal(12, ripe.Asked.Count);
        Assert.InRange(ripe.MaxInFlight, 1, 2);
    }
}

using System.Text.Json;
using IntelMQ.Cli;
using IntelMQ.Collectors.FireEye;
using IntelMQ.Parsers.FireEye;
using IntelMQ.Runtime;
using IntelMQ.Tests.Parsers;
using Microsoft.Extensions.Time.Testing;

namespace IntelMQ.Tests.Collectors;

/// <summary>The FireEye MAS collector against a server in the test answering as the appliance's Web Services API documentation says (<see cref="FireEyeServer"/>).</summary>
public sealed class FireEyeMasCollectorTests : IDisposable
{
    const string First = "1591de22-4926-4124-b3ed-ffff96766295", Second = "2b6f0a31-77c1-4c0e-9d2a-5e1f00c0ffee", Third = "3c7a1b42-88d2-4d1f-8e3b-6f2011d1aaaa";
    readonly CollectorRun _run = new();
    readonly FireEyeServer _appliance = new();

    public void Dispose() => _run.Dispose();

    static CancellationToken Token => TestContext.Current.CancellationToken;

    static FireEyeMasCollectorOptions Options(FeedServer server, string password = FireEyeServer.Password) => new()
    {
        Host = server.Url(""), HttpUsername = FireEyeServer.User, HttpPassword = new(password), RequestDuration = "24_hours",
    };

    string[] Seen() => [.. JsonDocument.Parse(_run.State("alerts") ?? "{}").RootElement.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public async Task Each_new_alert_is_one_report_of_its_OpenIOC_and_the_next_run_sends_only_the_new_ones()
    {
        _appliance.AddAlert(First, "21232f297a57a5a743894a0e4a801fc3", "shop.example.com");
        _appliance.AddAlert(Second, "5f4dcc3b5aa765d61d8327deb882cf99", "cdn.example.net");
        await using var server = await FeedServer.StartAsync(_appliance.AnswerAsync);

        Assert.Equal(2, (await _run.CollectAsync("intelmq.bots.collectors.fireeye.collector_mas", Options(server), Token)).Events);
        _appliance.AddAlert(Third, "e99a18c428cb38d5f260853678922e03", "evil.example.org");
        Assert.Equal(1, (await _run.CollectAsync("fireeye-mas-collector", Options(server), Token)).Events);
        Assert.Equal(0, (await _run.CollectAsync("fireeye-mas-collector", Options(server), Token)).Events);

        var reports = _run.Reports();
        Assert.Equal([FireEyeServer.OpenIoc(First, "21232f297a57a5a743894a0e4a801fc3", "shop.example.com"), FireEyeServer.OpenIoc(Second, "5f4dcc3b5aa765d61d8327deb882cf99", "cdn.example.net"),
            FireEyeServer.OpenIoc(Third, "e99a18c428cb38d5f260853678922e03", "evil.example.org")], reports.Select(r => (string)r["event.original"]!));
        Assert.All(reports, r => Assert.Equal(server.Url("").TrimEnd('/'), r["feed.url"]));
        var requests = server.Requests.Select(r => r.Request).ToList();
        Assert.Equal(3, requests.Count(r => r == "GET /wsapis/v2.0.0/alerts?duration=24_hours"));
        Assert.Equal(1, requests.Count(r => r == $"GET /wsapis/v2.0.0/openioc?alert_uuid={First}"));
        Assert.Equal((3, 3), (_appliance.Logins, _appliance.Logouts));
        Assert.Equal([First, Second, Third], Seen());
    }

    [Fact]
    public async Task The_reports_are_what_the_FireEye_parser_reads()
    {
        _appliance.AddAlert(First, "21232f297a57a5a743894a0e4a801fc3", "shop.example.com");
        await using var server = await FeedServer.StartAsync(_appliance.AnswerAsync);

        await _run.CollectAsync("fireeye-mas-collector", Options(server), Token);
        var report = Assert.Single(_run.Reports());
        var parsed = CollectingEmitter.Run(new FireEyeParser(), (string)report["event.original"]!, ("feed.url", (string)report["feed.url"]!));

        Assert.Empty(parsed.Rejected);
        Assert.Equal(["malware", "malware-distribution"], parsed.Events.Select(e => (string)e["classification.type"]!));
        Assert.All(parsed.Events, e => Assert.Equal("21232f297a57a5a743894a0e4a801fc3", e["file.hash.md5"]));
        Assert.Equal("shop.example.com", parsed.Events[1]["destination.domain"]);
        Assert.Equal("http://shop.example.com/wp-content/n/", parsed.Events[1]["destination.url.full"]);
    }

    [Fact]
    public async Task A_refused_login_fails_the_run_naming_the_credentials_and_stores_nothing()
    {
        _appliance.AddAlert(First, "21232f297a57a5a743894a0e4a801fc3", "shop.example.com");
        await using var server = await FeedServer.StartAsync(_appliance.AnswerAsync);

        var error = await Assert.ThrowsAsync<IOException>(() => _run.CollectAsync("fireeye-mas-collector", Options(server, "wrong"), Token));

        Assert.Contains("401", error.Message);
        Assert.Contains("http_username and http_password", error.Message);
        Assert.Empty(_run.Reports());
        Assert.Null(_run.State("alerts"));
    }

    [Fact]
    public async Task A_busy_appliance_is_retried_by_a_daemon_and_each_alert_arrives_once()
    {
        _appliance.AddAlert(First, "21232f297a57a5a743894a0e4a801fc3", "shop.example.com");
        _appliance.AddAlert(Second, "5f4dcc3b5aa765d61d8327deb882cf99", "cdn.example.net");
        _appliance.Busy(2);
        await using var server = await FeedServer.StartAsync(_appliance.AnswerAsync);

        var summary = await _run.DaemonAsync("fireeye-mas-collector", Options(server), () => Seen().Length == 2, Token);

        Assert.Equal(2, summary.Events);
        Assert.Equal(2, _run.Reports().Count);
        Assert.Equal(3, server.Requests.Count(r => r.Request == "GET /wsapis/v2.0.0/alerts?duration=24_hours"));
        // Every session is closed, the failed ones too.
        Assert.Equal((3, 3), (_appliance.Logins, _appliance.Logouts));
    }

    [Fact]
    public async Task An_alert_whose_OpenIOC_is_refused_is_asked_for_again_next_run()
    {
        _appliance.AddAlert(First, "21232f297a57a5a743894a0e4a801fc3", "shop.example.com");
        _appliance.AddAlert(Second, "5f4dcc3b5aa765d61d8327deb882cf99", "cdn.example.net");
        _appliance.WithoutIoc.Add(Second);
        await using var server = await FeedServer.StartAsync(_appliance.AnswerAsync);

        Assert.Equal(1, (await _run.CollectAsync("fireeye-mas-collector", Options(server), Token)).Events);
        _appliance.WithoutIoc.Clear();
        Assert.Equal(1, (await _run.CollectAsync("fireeye-mas-collector", Options(server), Token)).Events);

        Assert.Equal(2, server.Requests.Count(r => r.Request == $"GET /wsapis/v2.0.0/openioc?alert_uuid={Second}"));
        Assert.Equal([First, Second], Seen());
    }

    [Fact]
    public async Task Uuids_older_than_the_duration_asked_for_are_forgotten()
    {
        _appliance.AddAlert(First, "21232f297a57a5a743894a0e4a801fc3", "shop.example.com");
        await using var server = await FeedServer.StartAsync(_appliance.AnswerAsync);
        var clock = new FakeTimeProvider(new DateTimeOffset(2021, 1, 6, 12, 0, 0, TimeSpan.Zero));
        using var collector = new FireEyeMasCollector(Options(server) with { RequestDuration = "6_hours" }, new ProgramContext { Clock = clock });
        var state = new State(new()
        {
            ["alerts"] = """{"0ld00000-0000-4000-8000-000000000000": "2021-01-06T04:59:00Z", "0ld00000-0000-4000-8000-000000000001": "2021-01-06T05:01:00Z"}""",
        });

        var report = Assert.Single(await collector.CollectAsync(state, Token).ToListAsync(Token));

        var seen = JsonDocument.Parse(report.Checkpoint["alerts"]!).RootElement.EnumerateObject().Select(p => p.Name);
        Assert.Equal(["0ld00000-0000-4000-8000-000000000001", First], seen);
    }

    [Theory]
    [InlineData("host", "", "option 'host' is missing")]
    [InlineData("request_duration", "3_days", "request_duration '3_days' is not one of 1_hour, 2_hours, 6_hours, 12_hours, 24_hours, 48_hours")]
    [InlineData("http_password", "", "give http_username and http_password")]
    public void A_configuration_that_cannot_work_is_refused_naming_the_option(string option, string value, string message)
    {
        var values = new Dictionary<string, object?> { ["dns_name"] = "fireeye.example", ["http_username"] = "api", ["http_password"] = "secret", [option] = value };
        if (option == "host") values.Remove("dns_name");

        var options = (FireEyeMasCollectorOptions)OptionBinder.Bind(Programs.Catalog.Resolve("fireeye-mas-collector"), values)!;
        var error = Assert.Throws<ConfigurationException>(() => new FireEyeMasCollector(options, ProgramContext.Default));

        Assert.Contains(message, error.Message);
    }

    sealed class State(Dictionary<string, string> values) : ICollectorState
    {
        public string? Get(string key) => values.GetValueOrDefault(key);
    }
}

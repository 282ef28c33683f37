using IntelMQ.Core;
using IntelMQ.Outputs.Rpz;

namespace IntelMQ.Tests.Outputs;

public sealed class RpzFileOutputTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("rpz-output-").FullName;
    readonly MovableClock _clock = new() { Now = new DateTimeOffset(2026, 5, 26, 6, 1, 41, TimeSpan.Zero) };

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    string ZonePath => Path.Combine(_root, "rpz.zone");

    RpzFileOutput Output(RpzFileOutputOptions? options = null) =>
        new((options ?? new() { Cname = "rpz.example.eu", OrganizationName = "example.eu. CERT.XX", RpzDomain = "rpz.example.eu", HostmasterRpzDomain = "hostmaster.rpz.example.eu", RpzEmail = "rpz@example.eu" })
            with { File = ZonePath }, new ProgramContext { Clock = _clock });

    static async Task<WriteResult[]> Write(RpzFileOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event Domain(string fqdn)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.fqdn")!, fqdn);
        return ev;
    }

    static Event Url(string url)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.url")!, url);
        return ev;
    }

    [Fact]
    public async Task The_zone_has_intelmqs_header_and_a_cname_for_each_domain_and_its_subdomains()
    {
        var output = Output(new() { Cname = "rpz.example.eu", OrganizationName = "example.eu. CERT.XX", RpzDomain = "rpz.example.eu",
            HostmasterRpzDomain = "hostmaster.rpz.example.eu", RpzEmail = "rpz@example.eu", TestDomain = "test.example.eu" });

        await Write(output, [Domain("Malicious.example.com"), Url("http://second.example.net/x/y")]);

        Assert.Equal("""
            $TTL 3600
            @ SOA rpz.example.eu. hostmaster.rpz.example.eu. 2605260601 60 60 432000 60
             NS localhost.
            ;
            ; example.eu. CERT.XX Response Policy Zones (RPZ)
            ; Last updated: 2026-05-26 06:01:41 (UTC)
            ;
            ; Terms Of Use: https://rpz.example.eu
            ; For questions please contact rpz [at] example.eu
            ;
            test.example.eu CNAME rpz.example.eu.
            malicious.example.com CNAME rpz.example.eu.
            *.malicious.example.com CNAME rpz.example.eu.
            second.example.net CNAME rpz.example.eu.
            *.second.example.net CNAME rpz.example.eu.

            """.ReplaceLineEndings("\n"), File.ReadAllText(ZonePath));
    }

    [Fact]
    public async Task A_new_output_keeps_the_domains_written_before_and_every_rewrite_raises_the_serial()
    {
        await Write(Output(), [Domain("one.example.com")]);
        var restarted = Output();

        await Write(restarted, [Domain("two.example.com"), Domain("one.example.com")]);

        var zone = File.ReadAllText(ZonePath);
        Assert.Contains("\none.example.com CNAME rpz.example.eu.\n", zone);
        Assert.Contains("\ntwo.example.com CNAME rpz.example.eu.\n", zone);
        Assert.Equal(1, zone.Split('\n').Count(l => l.StartsWith("one.example.com ", StringComparison.Ordinal)));
        Assert.Contains(" 2605260602 60 60 432000 60\n", zone); // the same minute: the previous serial plus one
        Assert.Empty(Directory.GetFiles(_root, "*.tmp-*"));
    }

    [Fact]
    public async Task An_empty_cname_answers_nxdomain()
    {
        await Write(Output(new()), [Domain("bad.example.org")]);

        Assert.Contains("\n*.bad.example.org CNAME .\n", File.ReadAllText(ZonePath));
    }

    [Fact]
    public async Task An_event_without_a_domain_or_with_a_name_a_zone_cannot_hold_is_refused_and_the_others_are_written()
    {
        var ip = Event.Create();
        ip.Add(DhoMapping.ToIdf("source.ip")!, "192.0.2.1");
        var output = Output();

        var results = await Write(output, [ip, Domain("ok.example.org"), Url("http://[2001:db8::1]/x")]);

        Assert.Equal(WriteStatus.Refused, results[0].Status);
        Assert.Contains("no source.fqdn or source.url", results[0].Reason);
        Assert.Equal(WriteResult.Written, results[1]);
        Assert.Equal(WriteStatus.Refused, results[2].Status);
        Assert.Contains("ok.example.org CNAME", File.ReadAllText(ZonePath));
    }

    [Fact]
    public async Task Domains_not_seen_again_within_expire_entries_days_leave_the_zone()
    {
        var options = new RpzFileOutputOptions { ExpireEntriesDays = 7 };
        await Write(Output(options), [Domain("old.example.org")]);
        _clock.Now += TimeSpan.FromDays(8);

        await Write(Output(options), [Domain("new.example.org")]);

        var zone = File.ReadAllText(ZonePath);
        Assert.DoesNotContain("old.example.org", zone);
        Assert.Contains("new.example.org CNAME .", zone);
    }

    [Fact]
    public async Task Several_writers_at_once_lose_no_domain()
    {
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var output = Output();
            for (var batch = 0; batch < 10; batch++) await Write(output, [Domain($"w{w}-b{batch}.example.org")]);
        }, Cancel));

        await Task.WhenAll(writers);

        var zone = File.ReadAllText(ZonePath);
        Assert.Equal(40, zone.Split('\n').Count(l => l.StartsWith('w')));
    }

    [Fact]
    public void A_cname_that_is_not_a_host_name_is_refused_at_start()
    {
        var error = Assert.Throws<ConfigurationException>(() => Output(new() { Cname = "bad name; $INCLUDE /etc/passwd" }));

        Assert.Contains("'cname'", error.Message);
    }

    sealed class MovableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

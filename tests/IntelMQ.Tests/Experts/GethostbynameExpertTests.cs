using IntelMQ.Core;
using IntelMQ.Experts;

namespace IntelMQ.Tests.Experts;

public sealed class GethostbynameExpertTests : IDisposable
{
    readonly FakeDnsServer _dns = new(new Dictionary<string, string[]>
    {
        ["www.example.org"] = ["192.0.2.10", "192.0.2.11", "2001:db8::10"],
        ["mail.example.org"] = ["198.51.100.7"],
        ["v6only.example.org"] = ["2001:db8::6"],
    });

    public void Dispose() => _dns.Dispose();

    GethostbynameExpert Expert(GethostbynameExpertOptions? options = null) =>
        new((options ?? new()) with { NameServers = [_dns.EndPoint], Timeout = 0.2, DnsRetries = 0 }, ProgramContext.Default);

    static Event NewEvent(params (string Path, string Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        return ev;
    }

    static async Task<Event> Process(GethostbynameExpert expert, Event ev)
    {
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    [Fact]
    public async Task Source_and_destination_names_resolve_to_their_first_address()
    {
        var ev = await Process(Expert(), NewEvent(("source.domain", "www.example.org"), ("destination.domain", "mail.example.org")));

        Assert.Equal("192.0.2.10", ev["source.ip"]);
        Assert.Equal("198.51.100.7", ev["destination.ip"]);
    }

    [Fact]
    public async Task A_name_with_only_an_ipv6_address_gets_it()
    {
        var ev = await Process(Expert(), NewEvent(("source.domain", "v6only.example.org")));

        Assert.Equal("2001:db8::6", ev["source.ip"]);
    }

    [Fact]
    public async Task A_name_that_does_not_exist_leaves_the_event_unchanged()
    {
        var ev = await Process(Expert(), NewEvent(("source.domain", "nowhere.example.org")));

        Assert.False(ev.Contains("source.ip"));
        Assert.Equal("nowhere.example.org", ev["source.domain"]);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_a_transient_failure_not_a_missing_name()
    {
        var error = await Assert.ThrowsAsync<TransientException>(() => Process(Expert(), NewEvent(("source.domain", "silent.example.org"))));

        Assert.Contains("silent.example.org", error.Message);
    }

    [Fact]
    public async Task A_server_failure_is_transient()
    {
        await Assert.ThrowsAsync<TransientException>(() => Process(Expert(), NewEvent(("source.domain", "servfail.example.org"))));
    }

    [Fact]
    public async Task A_server_failure_passes_the_event_unchanged_when_gaierror_minus_3_is_ignored()
    {
        var ev = await Process(Expert(new() { GaierrorsToIgnore = ["-3"] }), NewEvent(("source.domain", "servfail.example.org")));

        Assert.False(ev.Contains("source.ip"));
    }

    [Fact]
    public async Task A_refused_query_leaves_the_event_unchanged_as_intelmq_ignores_eai_fail()
    {
        var ev = await Process(Expert(), NewEvent(("source.domain", "refused.example.org")));

        Assert.False(ev.Contains("source.ip"));
    }

    [Fact]
    public async Task A_second_lookup_of_a_name_is_answered_from_the_cache()
    {
        var expert = Expert();
        await Process(expert, NewEvent(("source.domain", "mail.example.org")));
        await Process(expert, NewEvent(("source.domain", "nowhere.example.org")));
        var mail = _dns.QueriesFor("mail.example.org");
        var nowhere = _dns.QueriesFor("nowhere.example.org");

        var again = await Process(expert, NewEvent(("source.domain", "MAIL.example.org"), ("destination.domain", "nowhere.example.org")));

        Assert.Equal("198.51.100.7", again["source.ip"]);
        Assert.Equal(mail, _dns.QueriesFor("mail.example.org"));
        Assert.Equal(nowhere, _dns.QueriesFor("nowhere.example.org"));
    }

    [Fact]
    public async Task A_failed_lookup_is_not_cached()
    {
        var expert = Expert();
        await Assert.ThrowsAsync<TransientException>(() => Process(expert, NewEvent(("source.domain", "servfail.example.org"))));
        await Assert.ThrowsAsync<TransientException>(() => Process(expert, NewEvent(("source.domain", "servfail.example.org"))));

        Assert.Equal(2, _dns.QueriesFor("servfail.example.org"));
    }

    [Fact]
    public async Task Many_events_resolve_in_parallel_with_one_query_per_name()
    {
        var expert = Expert();
        string[] names = ["www.example.org", "mail.example.org", "nowhere.example.org"];
        var output = new EventCollector();
        var events = Enumerable.Range(0, 300).Select(i => NewEvent(("source.domain", names[i % 3]), ("comment", i.ToString()))).ToList();

        await Task.WhenAll(events.Select(ev => expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken).AsTask()));

        Assert.Equal(300, output.Events.Count);
        Assert.All(output.Events, ev => Assert.Equal(
            (ev["source.domain"] as string) switch { "www.example.org" => "192.0.2.10", "mail.example.org" => "198.51.100.7", _ => null },
            ev["source.ip"]));
        Assert.Equal(1, _dns.QueriesFor("www.example.org"));
        Assert.Equal(1, _dns.QueriesFor("mail.example.org"));
    }

    [Fact]
    public async Task An_existing_ip_is_kept_and_not_looked_up_without_overwrite()
    {
        var ev = await Process(Expert(), NewEvent(("source.domain", "www.example.org"), ("source.ip", "203.0.113.1")));

        Assert.Equal("203.0.113.1", ev["source.ip"]);
        Assert.Equal(0, _dns.QueriesFor("www.example.org"));
    }

    [Fact]
    public async Task Overwrite_replaces_an_existing_ip()
    {
        var ev = await Process(Expert(new() { Overwrite = true }), NewEvent(("source.domain", "www.example.org"), ("source.ip", "203.0.113.1")));

        Assert.Equal("192.0.2.10", ev["source.ip"]);
    }

    [Fact]
    public async Task Overwrite_keeps_the_existing_ip_when_the_name_does_not_exist()
    {
        var ev = await Process(Expert(new() { Overwrite = true }), NewEvent(("source.domain", "nowhere.example.org"), ("source.ip", "203.0.113.1")));

        Assert.Equal("203.0.113.1", ev["source.ip"]);
    }

    [Fact]
    public async Task The_host_of_the_url_is_resolved_only_with_fallback_to_url()
    {
        var without = await Process(Expert(), NewEvent(("destination.url.full", "http://mail.example.org/login")));
        var with = await Process(Expert(new() { FallbackToUrl = true }), NewEvent(("destination.url.full", "http://mail.example.org/login")));
        var literal = await Process(Expert(new() { FallbackToUrl = true }), NewEvent(("source.url.full", "http://198.51.100.99:8080/x")));

        Assert.False(without.Contains("destination.ip"));
        Assert.Equal("198.51.100.7", with["destination.ip"]);
        Assert.Equal("198.51.100.99", literal["source.ip"]);
    }

    [Theory]
    [InlineData("name_servers", "dns.example.org")]
    [InlineData("gaierrors_to_ignore", "EAI_AGAIN")]
    public void A_bad_option_is_refused_at_construction(string option, string value)
    {
        var options = option == "name_servers" ? new GethostbynameExpertOptions { NameServers = [value] } : new() { GaierrorsToIgnore = [value] };

        var error = Assert.Throws<ConfigurationException>(() => new GethostbynameExpert(options, ProgramContext.Default));

        Assert.Contains(option, error.Message);
    }
}

using System.Net;
using System.Net.Sockets;
using IntelMQ.Core;
using IntelMQ.Experts.Abusix;

namespace IntelMQ.Tests.Experts;

public sealed class AbusixExpertTests : IDisposable
{
    // One TXT record per contact, as Abusix's contact database answers (querycontacts' test point gives root@ and abuse@localhost).
    readonly DnsmasqServer _dns = new([
        "local=/abuse-contacts.abusix.zone/",
        "txt-record=139.6.0.193.abuse-contacts.abusix.zone,abuse@ripe.example",
        "txt-record=7.43.0.192.abuse-contacts.abusix.zone,root@icann.example",
        "txt-record=7.43.0.192.abuse-contacts.abusix.zone,ops@icann.example",
        "txt-record=7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.8.8.0.0.0.0.5.0.1.0.0.2.abuse-contacts.abusix.zone,ops@icann.example",
    ]);

    public void Dispose() => _dns.Dispose();

    AbusixExpert Expert(AbusixExpertOptions? options = null, string? nameServer = null) =>
        new((options ?? new()) with { NameServers = [nameServer ?? _dns.Required().EndPoint], Timeout = 0.3, DnsRetries = 0 }, ProgramContext.Default);

    static async Task<Event> Process(AbusixExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    [Fact]
    public async Task Both_sides_get_the_contact_of_their_address()
    {
        var ev = await Process(Expert(), ("source.ip", "193.0.6.139"), ("destination.ip", "2001:500:88:200::7"));

        Assert.Equal("abuse@ripe.example", ev["source.abuse_contact"]);
        Assert.Equal("ops@icann.example", ev["destination.abuse_contact"]);
    }

    [Fact]
    public async Task Several_records_are_joined_with_commas()
    {
        var ev = await Process(Expert(), ("source.ip", "192.0.43.7"));

        Assert.Equal(new[] { "ops@icann.example", "root@icann.example" }, ((string)ev["source.abuse_contact"]!).Split(',').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_address_without_a_contact_leaves_the_event_unchanged()
    {
        var ev = await Process(Expert(), ("source.ip", "193.0.6.140"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task Without_overwrite_a_contact_the_event_has_is_kept()
    {
        var ev = await Process(Expert(), ("source.ip", "193.0.6.139"), ("source.abuse_contact", "example@example.org"));

        Assert.Equal("example@example.org", ev["source.abuse_contact"]);
    }

    [Fact]
    public async Task With_overwrite_a_contact_the_event_has_is_replaced()
    {
        var ev = await Process(Expert(new() { Overwrite = true }), ("source.ip", "193.0.6.139"), ("source.abuse_contact", "example@example.org"));

        Assert.Equal("abuse@ripe.example", ev["source.abuse_contact"]);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_passes_the_event_on_unchanged()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        var ev = await Process(Expert(nameServer: silent.Client.LocalEndPoint!.ToString()), ("source.ip", "193.0.6.139"));

        Assert.False(ev.Contains("source.abuse_contact"));
    }

    [Fact]
    public async Task A_private_address_is_not_asked()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        var ev = await Process(Expert(nameServer: silent.Client.LocalEndPoint!.ToString()), ("source.ip", "10.1.2.3"));

        Assert.False(ev.Contains("source.abuse_contact"));
        Assert.Equal(0, silent.Available);
    }

    [Fact]
    public async Task An_answer_in_the_cache_is_not_asked_again()
    {
        var dns = new DnsmasqServer(["local=/abuse-contacts.abusix.zone/", "txt-record=139.6.0.193.abuse-contacts.abusix.zone,abuse@ripe.example"]);
        AbusixExpert expert;
        try
        {
            expert = Expert(nameServer: dns.Required().EndPoint);
            await Process(expert, ("source.ip", "193.0.6.139"));
        }
        finally
        {
            dns.Dispose();
        }

        var ev = await Process(expert, ("source.ip", "193.0.6.139"));

        Assert.Equal("abuse@ripe.example", ev["source.abuse_contact"]);
    }

    [Theory]
    [InlineData("193.0.6.139", "139.6.0.193.abuse-contacts.abusix.zone")]
    [InlineData("::ffff:193.0.6.139", "139.6.0.193.abuse-contacts.abusix.zone")]
    [InlineData("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.abuse-contacts.abusix.zone")]
    public void Query_names_reverse_the_address(string ip, string name) =>
        Assert.Equal(name, AbusixExpert.QueryName(IPAddress.Parse(ip), "abuse-contacts.abusix.zone"));
}

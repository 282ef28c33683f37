using System.Net;
using System.Net.Sockets;
using IntelMQ.Core;
using IntelMQ.Experts.CymruWhois;

namespace IntelMQ.Tests.Experts;

public sealed class CymruWhoisExpertTests : IDisposable
{
    // Answers in the format Team Cymru documents for its DNS interface (https://www.team-cymru.com/ip-asn-mapping).
    readonly DnsmasqServer _dns = new([
        "local=/cymru.com/",
        "txt-record=7.2.0.192.origin.asn.cymru.com,\"64496 | 192.0.2.0/24 | AT | ripencc | 2001-02-03\"",
        "txt-record=9.100.51.198.origin.asn.cymru.com,\"64497 64498 | 198.51.0.0/16 | US | arin | 1999-01-01\"",
        "txt-record=9.100.51.198.origin.asn.cymru.com,\"64499 | 198.51.100.0/24 | US | arin | 2010-05-06\"",
        "txt-record=1.113.0.203.origin.asn.cymru.com,\"64500 | 203.0.113.0/24 | ZZ | other | \"",
        "txt-record=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com,\"64501 | 2001:db8::/32 | DE | ripencc | 2005-06-07\"",
        "txt-record=AS64496.asn.cymru.com,\"64496 | AT | ripencc | 2001-02-03 | EXAMPLE-AT - Example Network, AT\"",
        "txt-record=AS64499.asn.cymru.com,\"64499 | US | arin | 2010-05-06 | EXAMPLE-US, US\"",
    ]);

    public void Dispose() => _dns.Dispose();

    CymruWhoisExpert Expert(CymruWhoisExpertOptions? options = null, string? nameServer = null) =>
        new((options ?? new()) with { NameServers = [nameServer ?? _dns.Required().EndPoint], Timeout = 0.3, DnsRetries = 0 }, ProgramContext.Default);

    static async Task<Event> Process(CymruWhoisExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    [Fact]
    public async Task An_address_gets_its_as_prefix_country_registry_allocation_and_as_name()
    {
        var ev = await Process(Expert(), ("source.ip", "192.0.2.7"));

        Assert.Equal(64496L, Convert.ToInt64(ev["source.as.number"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("192.0.2.0/24", ev["source.network"]);
        Assert.Equal("AT", ev["source.geo.country_iso_code"]);
        Assert.Equal("RIPE", ev["source.registry"]);
        Assert.StartsWith("2001-02-03T00:00:00", (string)ev["source.allocated"]!);
        Assert.Equal("EXAMPLE-AT - Example Network, AT", ev["source.as.organization.name"]);
    }

    [Fact]
    public async Task The_longest_of_several_prefixes_wins()
    {
        var ev = await Process(Expert(), ("destination.ip", "198.51.100.9"));

        Assert.Equal("198.51.100.0/24", ev["destination.network"]);
        Assert.Equal("EXAMPLE-US, US", ev["destination.as.organization.name"]);
    }

    [Fact]
    public async Task Ipv6_is_asked_by_nibbles_under_origin6()
    {
        var ev = await Process(Expert(), ("source.ip", "2001:db8::1"));

        Assert.Equal("2001:db8::/32", ev["source.network"]);
        Assert.Equal("DE", ev["source.geo.country_iso_code"]);
    }

    [Fact]
    public async Task Registry_other_is_not_written()
    {
        var ev = await Process(Expert(), ("source.ip", "203.0.113.1"));

        Assert.Equal("203.0.113.0/24", ev["source.network"]);
        Assert.False(ev.Contains("source.registry"));
    }

    [Fact]
    public async Task Without_overwrite_fields_the_event_has_are_kept()
    {
        var ev = await Process(Expert(new() { Overwrite = false }), ("source.ip", "192.0.2.7"), ("source.as.number", 1L));

        Assert.Equal(1L, Convert.ToInt64(ev["source.as.number"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("192.0.2.0/24", ev["source.network"]);
    }

    [Fact]
    public async Task An_address_that_is_not_routed_leaves_the_event_unchanged()
    {
        var ev = await Process(Expert(), ("source.ip", "192.0.2.8"));

        Assert.False(ev.Contains("source.network"));
        Assert.False(ev.Contains("source.as.number"));
    }

    [Fact]
    public async Task A_server_that_does_not_answer_passes_the_event_on_unchanged()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        var ev = await Process(Expert(nameServer: silent.Client.LocalEndPoint!.ToString()), ("source.ip", "192.0.2.7"));

        Assert.False(ev.Contains("source.network"));
        Assert.False(ev.Contains("source.as.number"));
    }

    [Theory]
    [InlineData("192.0.2.7", "7.2.0.192.origin.asn.cymru.com")]
    [InlineData("2001:db8::1", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.origin6.asn.cymru.com")]
    public void Origin_names_reverse_the_address(string ip, string name) =>
        Assert.Equal(name, CymruWhoisExpert.OriginName(IPAddress.Parse(ip)));
}

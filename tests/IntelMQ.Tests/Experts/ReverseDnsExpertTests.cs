using System.Net;
using System.Net.Sockets;
using IntelMQ.Core;
using IntelMQ.Experts.ReverseDns;

namespace IntelMQ.Tests.Experts;

public sealed class ReverseDnsExpertTests : IDisposable
{
    readonly DnsmasqServer _dns = new([
        "local=/in-addr.arpa/",
        "local=/ip6.arpa/",
        "ptr-record=10.2.0.192.in-addr.arpa,mail.example.org",
        "ptr-record=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa,v6.example.org",
    ]);

    public void Dispose() => _dns.Dispose();

    ReverseDnsExpert Expert(ReverseDnsExpertOptions? options = null, string? nameServer = null) =>
        new((options ?? new()) with { NameServers = [nameServer ?? _dns.Required().EndPoint], Timeout = 0.3, DnsRetries = 0 }, ProgramContext.Default);

    static async Task<Event> Process(ReverseDnsExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        await expert.ProcessAsync(ev, output, TestContext.Current.CancellationToken);
        return Assert.Single(output.Events);
    }

    [Fact]
    public async Task Both_sides_get_their_ptr_name_without_the_final_dot()
    {
        var ev = await Process(Expert(), ("source.ip", "192.0.2.10"), ("destination.ip", "2001:db8::1"));

        Assert.Equal("mail.example.org", ev["source.reverse_dns"]);
        Assert.Equal("v6.example.org", ev["destination.reverse_dns"]);
    }

    [Fact]
    public async Task An_address_without_ptr_record_leaves_the_event_unchanged()
    {
        var ev = await Process(Expert(), ("source.ip", "192.0.2.11"));

        Assert.False(ev.Contains("source.reverse_dns"));
    }

    [Fact]
    public async Task A_name_the_event_has_is_kept_unless_overwrite()
    {
        Assert.Equal("old.example.org", (await Process(Expert(), ("source.ip", "192.0.2.10"), ("source.reverse_dns", "old.example.org")))["source.reverse_dns"]);
        Assert.Equal("mail.example.org", (await Process(Expert(new() { Overwrite = true }), ("source.ip", "192.0.2.10"), ("source.reverse_dns", "old.example.org")))["source.reverse_dns"]);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_passes_the_event_on_unchanged()
    {
        using var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));

        var ev = await Process(Expert(nameServer: silent.Client.LocalEndPoint!.ToString()), ("source.ip", "192.0.2.10"));

        Assert.False(ev.Contains("source.reverse_dns"));
    }
}

using IntelMQ.Core;
using IntelMQ.Experts.AsnLookup;

namespace IntelMQ.Tests.Experts;

public sealed class AsnLookupExpertTests
{
    static readonly PrefixTable Table = PrefixTable.Parse(
        ["; comment", "192.0.0.0/16\t64500", "192.0.2.0/24\t64501", "2001:db8::/32\t64502", "0.0.0.0/0\t64503"], "test");

    [Theory]
    [InlineData("192.0.2.7", 64501, "192.0.2.0/24")]
    [InlineData("192.0.3.7", 64500, "192.0.0.0/16")]
    [InlineData("198.51.100.1", 64503, "0.0.0.0/0")]
    [InlineData("2001:db8:1::1", 64502, "2001:db8::/32")]
    public void Longest_prefix_wins(string ip, long asn, string network)
    {
        Assert.True(Table.TryLookup(ip, out var foundAsn, out var foundNetwork));
        Assert.Equal((asn, network), ((long)foundAsn, foundNetwork));
    }

    [Fact]
    public void Address_without_a_prefix_finds_nothing() =>
        Assert.False(Table.TryLookup("2001:db9::1", out _, out _));

    [Fact]
    public void Broken_line_is_refused_with_its_number() =>
        Assert.Contains("line 2", Assert.Throws<ConfigurationException>(() => PrefixTable.Parse(["10.0.0.0/8\t1", "garbage"], "ipasn.dat")).Message);

    // Host routes, so that the network found is the address as the table read it.
    static readonly PrefixTable Hosts = PrefixTable.Parse(
        ["192.0.2.1/32\t1", "127.0.0.1/32\t2", "2001:db8::1/128\t3", "1::/128\t4", "::/128\t5", "1:2:3:4:5:6:7:8/128\t6",
            "1:2:3:4:5:6:102:304/128\t7", "::102:304/128\t8", "1:2:3:4:5:6:7:0/128\t9", "0:2:3:4:5:6:7:8/128\t10", "fe80::1/128\t11"], "test");

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1/32")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1/32")]
    [InlineData("::FFFF:c000:201", "192.0.2.1/32")]
    [InlineData("127.1", "127.0.0.1/32")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    [InlineData("2001:DB8:0:0:0:0:0:0001", "2001:db8::1/128")]
    [InlineData("1::", "1::/128")]
    [InlineData("::", "::/128")]
    [InlineData("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8/128")]
    [InlineData("1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304/128")]
    [InlineData("::1.2.3.4", "::1.2.3.4/128")]
    [InlineData("1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128")]
    [InlineData("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8/128")]
    [InlineData("fe80::1%eth0", "fe80::1/128")]
    public void Address_is_read_in_every_notation_IPAddress_reads(string ip, string network)
    {
        Assert.True(Hosts.TryLookup(ip, out _, out var found));
        Assert.Equal(network, found);
    }

    [Theory]
    [InlineData("192.0.2.256")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1::2::3")]
    [InlineData("12345::")]
    [InlineData(":1")]
    [InlineData("1:")]
    [InlineData("example.com")]
    [InlineData("")]
    public void Text_that_is_no_address_finds_nothing(string text) => Assert.False(Table.TryLookup(text, out _, out _));
}

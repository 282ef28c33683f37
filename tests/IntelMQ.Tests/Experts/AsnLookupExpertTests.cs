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
    public void Longest_prefix_wins(string ip, long asn, string network) =>
        Assert.Equal((asn, network), Table.Lookup(System.Net.IPAddress.Parse(ip)));

    [Fact]
    public void Address_without_a_prefix_finds_nothing() =>
        Assert.Null(Table.Lookup(System.Net.IPAddress.Parse("2001:db9::1")));

    [Fact]
    public void Broken_line_is_refused_with_its_number() =>
        Assert.Contains("line 2", Assert.Throws<ConfigurationException>(() => PrefixTable.Parse(["10.0.0.0/8\t1", "garbage"], "ipasn.dat")).Message);
}

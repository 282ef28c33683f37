using IntelMQ.Core;
using IntelMQ.Experts.Rfc1918;

namespace IntelMQ.Tests.Experts;

public sealed class Rfc1918ExpertTests
{
    [Fact]
    public void Del_removes_the_field_and_drop_drops_the_event()
    {
        var expert = new Rfc1918Expert(new Rfc1918ExpertOptions { Fields = "destination.ip,source.url", Policy = "del,drop" });
        var kept = Event.Create();
        kept.Add("destination.ip", "192.168.1.1");
        var dropped = Event.Create();
        dropped.Add("source.url.full", "http://sub.example.com/x");
        var output = new EventCollector();

        expert.Process(kept, output);
        expert.Process(dropped, output);

        Assert.False(Assert.Single(output.Events).Contains("destination.ip"));
        Assert.Same(dropped, Assert.Single(output.Dropped).Event);
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("93.184.216.34", false)]
    public void Reserved_addresses_are_recognised(string ip, bool reserved) =>
        Assert.Equal(reserved, ReservedRanges.IsReserved(System.Net.IPAddress.Parse(ip)));

    [Fact]
    public void Policies_must_match_fields() =>
        Assert.Throws<ConfigurationException>(() => new Rfc1918Expert(new Rfc1918ExpertOptions { Fields = "source.ip", Policy = "" }));
}

using IntelMQ.Core;
using IntelMQ.Experts.Constituency;

namespace IntelMQ.Tests.Experts;

public sealed class ConstituencyExpertTests : IDisposable
{
    const string Constituencies = """
        # kind,value,contacts,name
        network,192.0.2.0/24,abuse@uni.example cert@uni.example,University
        network,2001:db8::/32,abuse@uni.example cert@uni.example,University
        asn,64496,abuse@uni.example cert@uni.example,University
        domain,uni.example,abuse@uni.example cert@uni.example,University
        network,192.0.2.128/25,it@library.uni.example,Library
        domain,library.uni.example,it@library.uni.example,Library
        """;

    readonly string _file = Path.GetTempFileName();

    public void Dispose() => File.Delete(_file);

    ConstituencyExpert Expert(string text = Constituencies, bool overwrite = false)
    {
        File.WriteAllText(_file, text);
        return new(new ConstituencyExpertOptions { Database = _file, Overwrite = overwrite });
    }

    static Event Process(ConstituencyExpert expert, params (string Path, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (path, value) in fields) ev.Add(path, value);
        var output = new EventCollector();
        expert.Process(ev, output);
        return Assert.Single(output.Events);
    }

    [Theory]
    [InlineData("192.0.2.7", "University")]
    [InlineData("192.0.2.200", "Library")]
    [InlineData("2001:db8::1", "University")]
    public void The_longest_network_wins(string ip, string constituency) =>
        Assert.Equal(constituency, Process(Expert(), ("source.ip", ip))["custom.constituency"]);

    [Fact]
    public void Name_and_contacts_are_written()
    {
        var ev = Process(Expert(), ("destination.ip", "192.0.2.7"));

        Assert.Equal("University", ev["custom.constituency"]);
        Assert.Equal("abuse@uni.example,cert@uni.example", ev["destination.abuse_contact"]);
    }

    [Theory]
    [InlineData("www.library.uni.example", "Library")]
    [InlineData("mail.uni.example", "University")]
    [InlineData("uni.example", "University")]
    public void Domains_match_by_their_longest_listed_suffix(string domain, string constituency) =>
        Assert.Equal(constituency, Process(Expert(), ("source.domain", domain))["custom.constituency"]);

    [Fact]
    public void An_as_number_matches_when_the_address_does_not() =>
        Assert.Equal("University", Process(Expert(), ("source.ip", "198.51.100.1"), ("source.as.number", 64496L))["custom.constituency"]);

    [Fact]
    public void An_event_that_matches_nothing_passes_unchanged() =>
        Assert.False(Process(Expert(), ("source.ip", "198.51.100.1"), ("source.domain", "example.org")).Contains("custom.constituency"));

    [Fact]
    public void A_constituency_the_event_has_is_kept_unless_overwrite()
    {
        Assert.Equal("Other", Process(Expert(), ("source.ip", "192.0.2.7"), ("custom.constituency", "Other"))["custom.constituency"]);
        Assert.Equal("University", Process(Expert(overwrite: true), ("source.ip", "192.0.2.7"), ("custom.constituency", "Other"))["custom.constituency"]);
    }

    [Theory]
    [InlineData("network,192.0.2.1/33,,A\n", "192.0.2.1/33")]
    [InlineData("asn,1,,A\nasn,1,,B\n", "line 2: asn 1 is listed for both 'A' and 'B'")]
    [InlineData("network,10.0.0.0/8,,A\nnetwork,10.0.0.0/8,,B\n", "10.0.0.0/8")]
    [InlineData("network,10.0.0.0/8\n", "line 1")]
    public void A_broken_file_is_refused_at_start_with_the_cause(string text, string cause) =>
        Assert.Contains(cause, Assert.Throws<ConfigurationException>(() => Expert(text)).Message);
}

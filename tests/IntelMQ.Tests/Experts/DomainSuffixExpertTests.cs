using IntelMQ.Core;
using IntelMQ.Experts.DomainSuffix;

namespace IntelMQ.Tests.Experts;

public sealed class DomainSuffixExpertTests
{
    static readonly PublicSuffixList Real = PublicSuffixList.Parse(File.ReadLines(Path.Combine(Paths.Shared, "data", "psl", "public_suffix_list.dat")), "psl");

    [Theory]
    [InlineData("www.example.co.uk", "co.uk")]
    [InlineData("www.example.com", "com")]
    [InlineData("foo.bar.ck", "bar.ck")]
    [InlineData("www.ck", "ck")]
    [InlineData("xn--85x722f.xn--fiqs8s", "xn--fiqs8s")]
    [InlineData("食狮.中国", "xn--fiqs8s")]
    [InlineData("host.unlisted-tld", "unlisted-tld")]
    [InlineData("a.b.kawasaki.jp", "b.kawasaki.jp")]
    [InlineData("www.city.kawasaki.jp", "kawasaki.jp")]
    [InlineData("WWW.Example.CO.UK", "co.uk")]
    [InlineData("www.example.com.", "com")]
    public void Public_suffix_follows_wildcards_exceptions_and_IDN(string name, string suffix) =>
        Assert.Equal(suffix, Real.SuffixOf(name));

    [Fact]
    public void Registered_domain_is_one_label_more_than_the_suffix() =>
        Assert.Equal("example.co.uk", Real.RegisteredDomainOf("a.b.example.co.uk"));

    [Fact]
    public void Expert_fills_both_sides_and_leaves_other_fields()
    {
        var expert = new DomainSuffixExpert(new DomainSuffixExpertOptions { SuffixFile = Path.Combine(Paths.Shared, "data", "psl", "public_suffix_list.dat") }, ProgramContext.Default);
        var ev = Event.Create();
        ev.Add("source.domain", "www.example.co.uk");
        var output = new EventCollector();

        expert.Process(ev, output);

        Assert.Equal("co.uk", Assert.Single(output.Events)["source.top_level_domain"]);
        Assert.False(ev.Contains("destination.top_level_domain"));
    }

    [Fact]
    public void Missing_list_is_refused_at_start() =>
        Assert.Contains("/nonexistent/psl.dat", Assert.Throws<ConfigurationException>(() =>
            new DomainSuffixExpert(new DomainSuffixExpertOptions { SuffixFile = "/nonexistent/psl.dat" }, ProgramContext.Default)).Message);
}

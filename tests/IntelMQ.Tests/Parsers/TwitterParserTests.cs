using IntelMQ.Parsers.Twitter;

namespace IntelMQ.Tests.Parsers;

/// <summary>twitter-parser: the URLs a short text mentions, however people wrote them.</summary>
public sealed class TwitterParserTests
{
    const string Tweet = """
        New phishing kit, run Invoice.exe in a VM to see it.
        hxxp://payments-check[.]com/Login-Form/
        also at cdn.example.pro/kit.html and http]]://mirror .net/x
        (drop site: hxxps://files[.]example[.]org/a.zip) and badhost,com
        """;

    static readonly TwitterParserOptions Options = new() { Substitutions = " .net;.net;[.];.;,;." };

    [Fact]
    public void Defanged_schemeless_and_comma_dotted_urls_are_read_in_order_and_file_names_are_not()
    {
        var run = CollectingEmitter.Run(new TwitterParser(Options), Tweet, ("feed.url", "https://twitter.com/someone/status/1"));
        Assert.Empty(run.Rejected);
        Assert.Equal(
            ["http://payments-check.com/login-form/", "http://cdn.example.pro/kit.html", "http://mirror.net/x", "https://files.example.org/a.zip", "http://badhost.com/"],
            run.Events.Select(e => (string)e["source.url.full"]!));
        Assert.All(run.Events, e => Assert.Equal("blacklist", e["classification.type"]));
        Assert.All(run.Events, e => Assert.Equal(Tweet, e["event.original"]));
        Assert.All(run.Events, e => Assert.Equal("https://twitter.com/someone/status/1", e["feed.url"]));
    }

    [Fact]
    public void Whitelisted_domains_with_their_subdomains_give_nothing_and_a_url_twice_gives_one_event()
    {
        var parser = new TwitterParser(new TwitterParserOptions { DomainWhitelist = ["t.co", "example.org"], DefaultScheme = "https" });
        var run = CollectingEmitter.Run(parser, "see https://t.co/abc and http://www.example.org/x, then evil.com/a twice: evil.com/a");
        Assert.Equal(["https://evil.com/a"], run.Events.Select(e => (string)e["source.url.full"]!));
    }

    [Fact]
    public void Substitutions_that_are_not_pairs_are_refused_at_start_naming_the_option()
    {
        var error = Assert.Throws<ConfigurationException>(() => new TwitterParser(new TwitterParserOptions { Substitutions = "[.];.;," }));
        Assert.StartsWith("substitutions:", error.Message);
    }
}

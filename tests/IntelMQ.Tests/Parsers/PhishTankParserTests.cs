using IntelMQ.Parsers.PhishTank;

namespace IntelMQ.Tests.Parsers;

public sealed class PhishTankParserTests
{
    [Fact]
    public void An_entry_with_an_invalid_value_is_dumped_and_the_others_parse()
    {
        var body = "[{\"url\": \"https://a.example/\", \"online\": \"yes\"}, {\"url\": \"https://b.example/\", \"details\": [{\"ip_address\": \"999.1.1.1\"}]}, {\"url\": \"https://c.example/\"}]";
        var run = DhoParserRun.Of(new PhishTankParser(), body);
        Assert.Equal(["https://a.example/", "https://c.example/"], run.Events.Select(e => (string)e["source.url.full"]!));
        Assert.Equal("entry 2", Assert.Single(run.Rejected).Position);
        Assert.Equal("[{\"url\": \"https://a.example/\", \"online\": \"yes\"}]", run.Events[0]["event.original"]);
    }

    [Fact]
    public void A_report_nested_too_deep_is_refused_whole()
    {
        var body = new string('[', 10_000) + new string(']', 10_000);
        Assert.Throws<InvalidDataException>(() => DhoParserRun.Of(new PhishTankParser(), body));
    }
}

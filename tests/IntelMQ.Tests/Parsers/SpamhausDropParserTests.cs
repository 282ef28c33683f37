using IntelMQ.Parsers.Spamhaus;

namespace IntelMQ.Tests.Parsers;

public sealed class SpamhausDropParserTests
{
    [Fact]
    public void The_json_lines_list_gives_networks_and_its_metadata_the_time()
    {
        var body = "{\"cidr\":\"192.0.2.0/24\",\"sblid\":\"SBL1\",\"rir\":\"ripencc\"}\n{\"type\":\"metadata\",\"timestamp\":1700000000,\"size\":1,\"records\":1}\n";
        var run = DhoParserRun.Of(new SpamhausDropParser(), body);
        var ev = Assert.Single(run.Events);
        Assert.Equal("192.0.2.0/24", ev["source.network"]);
        Assert.Equal("SBL1", ev["custom.blocklist"]);
    }

    [Fact]
    public void A_line_of_neither_form_is_dumped_and_the_rest_parse()
    {
        var run = DhoParserRun.Of(new SpamhausDropParser(), "; Last-Modified: Mon, 14 Sep 2015 04:39:22 GMT\ngarbage\n1.4.0.0/17 ; SBL256893\n");
        Assert.Equal("2015-09-14T04:39:22+00:00", Assert.Single(run.Events)["@timestamp"]);
        Assert.Equal("line 2", Assert.Single(run.Rejected).Position);
    }
}

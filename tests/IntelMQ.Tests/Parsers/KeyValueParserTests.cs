using IntelMQ.Parsers.KeyValue;

namespace IntelMQ.Tests.Parsers;

public sealed class KeyValueParserTests
{
    static readonly Dictionary<string, string> Keys = new() { ["srcip"] = "source.ip", ["type"] = "classification.type", ["date"] = "time.source" };

    [Fact]
    public void A_line_with_an_invalid_value_is_dumped_and_the_next_parses()
    {
        var run = DhoParserRun.Of(new KeyValueParser(new() { Keys = Keys }), "srcip=300.1.1.1 type=scanner\nsrcip=192.0.2.1 type=scanner\n");
        Assert.Equal("192.0.2.1", Assert.Single(run.Events)["source.ip"]);
        Assert.Equal("line 1", Assert.Single(run.Rejected).Position);
    }

    [Fact]
    public void Quoted_values_are_unquoted_and_times_read()
    {
        var run = DhoParserRun.Of(new KeyValueParser(new() { Keys = Keys, PairSeparator = ";" }), "srcip='192.0.2.1';type=\"scanner\";date=2024-05-01 10:00:00\n");
        var ev = Assert.Single(run.Events);
        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.Equal("2024-05-01T10:00:00+00:00", ev["@timestamp"]);
    }
}

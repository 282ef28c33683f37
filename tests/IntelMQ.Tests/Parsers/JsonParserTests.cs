using IntelMQ.Parsers.Json;

namespace IntelMQ.Tests.Parsers;

public sealed class JsonParserTests
{
    [Fact]
    public void A_line_nested_too_deep_is_dumped_and_the_next_line_parses()
    {
        var deep = new string('[', 100_000) + new string(']', 100_000);
        var body = "{\"extra.x\": " + deep + "}\n{\"source.ip\": \"192.0.2.1\", \"classification.type\": \"scanner\"}\n";
        var run = DhoParserRun.Of(new JsonParser(new() { Splitlines = true }), body);
        Assert.Equal("192.0.2.1", Assert.Single(run.Events)["source.ip"]);
        Assert.Equal("line 1", Assert.Single(run.Rejected).Position);
    }

    [Fact]
    public void The_event_overwrites_the_report_fields_and_keeps_its_raw()
    {
        var run = DhoParserRun.Of(new JsonParser(), "{\"feed.name\": \"Inner\", \"raw\": \"Zm9vYmFyCg==\", \"classification.type\": \"unknown\"}");
        var ev = Assert.Single(run.Events);
        Assert.Equal("Inner", ev["feed.name"]);
        Assert.Equal("foobar\n", ev["event.original"]);
        Assert.Equal("undetermined", ev["classification.type"]);
    }

    [Fact]
    public void A_list_of_events_gives_one_event_each_and_a_bad_item_is_dumped()
    {
        var run = DhoParserRun.Of(new JsonParser(new() { MultipleEvents = true }), "[{\"source.ip\": \"192.0.2.1\"}, {\"source.ip\": \"not an address\"}, {\"source.ip\": \"192.0.2.3\"}]");
        Assert.Equal(["192.0.2.1", "192.0.2.3"], run.Events.Select(e => (string)e["source.ip"]!));
        Assert.Equal("item 2", Assert.Single(run.Rejected).Position);
    }
}

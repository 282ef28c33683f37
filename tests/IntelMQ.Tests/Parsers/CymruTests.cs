using IntelMQ.Parsers.Cymru;

namespace IntelMQ.Tests.Parsers;

public sealed class CymruTests
{
    [Fact]
    public void A_bogons_prefix_before_the_header_is_rejected()
    {
        var output = CollectingEmitter.Run(new CymruFullBogonsParser(), "0.0.0.0/8\n# last updated 1450193702 (Tue Dec 15 15:33:38 2015 GMT)\n10.0.0.0/8\n");
        Assert.Equal("line 1", Assert.Single(output.Rejected).Position);
        var ev = Assert.Single(output.Events);
        Assert.Equal("# last updated 1450193702 (Tue Dec 15 15:33:38 2015 GMT)\n10.0.0.0/8", ev["event.original"]);
    }

    [Fact]
    public void A_cap_darknet_line_with_several_ports_gives_an_event_per_port()
    {
        var body = "#category|address|asn|timestamp|optional_information|asninfo\ndarknet|192.0.2.1|64496|2019-03-25 17:24:06|darknet_port: 23, 2323;protocol: 6;|EXAMPLE, AT\n";
        var output = CollectingEmitter.Run(new CymruCapProgramParser(), body);
        Assert.Equal([23L, 2323L], output.Events.Select(e => e["destination.port"]));
        Assert.All(output.Events, e => Assert.Equal("tcp", e["network.transport"]));
        Assert.Equal(2, output.Events.Select(e => e.Id).Distinct().Count()); // one line, two events: two ids
    }

    [Fact]
    public void A_cap_line_of_an_unknown_category_is_rejected_and_the_next_parses()
    {
        var body = "weird|192.0.2.1|64496|2019-03-25 17:24:06||EXAMPLE\nspam|192.0.2.2|64496|2019-03-25 17:24:06||EXAMPLE\n";
        var output = CollectingEmitter.Run(new CymruCapProgramParser(), body);
        Assert.Equal("line 1", Assert.Single(output.Rejected).Position);
        Assert.Equal("spam", Assert.Single(output.Events)["classification.type"]);
    }
}

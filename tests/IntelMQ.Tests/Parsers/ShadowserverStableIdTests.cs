using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Parsers.Shadowserver;

namespace IntelMQ.Tests.Parsers;

public sealed class ShadowserverStableIdTests
{
    const string Csv = "\"timestamp\",\"ip\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\",\"region\",\"city\",\"naics\",\"smb_major_number\",\"x_note\"\n"
                       + "\"2024-05-01 10:00:00\",\"192.0.2.1\",\"445\",\"a.example\",\"smb\",\"64496\",\"AT\",\"WIEN\",\"VIENNA\",\"0\",\"2\",\"\"\n"
                       + "\"2024-05-01 10:00:00\",\"192.0.2.2\",\"445\",\"b.example\",\"smb\",\"64496\",\"AT\",\"WIEN\",\"VIENNA\",\"0\",\"2\",\"\"\n";

    static List<Event> Parse(Event? report = null) =>
        new ShadowserverParser(new() { FileName = "2024-05-01-scan_smb-geo.csv" }).Parse(new StringReader(Csv), report).ToList();

    [Fact]
    public void The_same_report_parsed_twice_gives_the_same_ids()
    {
        var first = Parse();
        var second = Parse();
        Assert.Equal(first.Select(e => e.Id), second.Select(e => e.Id));
        Assert.NotEqual(first[0].Id, first[1].Id);
        Assert.Equal(first[0].StableId(), first[0].Id);
    }

    [Fact]
    public void Every_event_links_to_its_report_as_parent_and_dho_leaves_the_link_out()
    {
        var report = Event.Create(MessageKind.Report);
        report.Add("feed.name", "Shadowserver Reports");
        var events = Parse(report);
        var link = Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<List<object>>(events[0]["links"])));
        Assert.Equal("parent", (string)link["type"]!);
        Assert.Equal(report.Id, (string)link["id"]!);
        Assert.Same(events[0]["links"], events[1]["links"]);
        Assert.DoesNotContain("links", Tests.Core.EventJsonTests.Write(w => EventJson.WriteDho(w, events[0])));
    }
}

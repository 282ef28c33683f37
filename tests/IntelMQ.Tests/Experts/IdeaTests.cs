using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Core.Interop;
using IntelMQ.Experts.Idea;
using IntelMQ.Parsers.Idea;
using IntelMQ.Tests.Parsers;

namespace IntelMQ.Tests.Experts;

/// <summary>IDF → IDEA (idea-expert, IdeaFormat.FromEvent) against IntelMQ's fixture, and IDEA → IDF (idea-parser) back.</summary>
public sealed class IdeaTests
{
    static readonly JsonElement Fixture = JsonDocument.Parse(File.ReadAllText(
        Path.Combine(Paths.Corpus, "intelmq-tests", "experts", "idea", "test_expert__test_conversion__0.json"))).RootElement;

    static Event FixtureEvent()
    {
        var input = JsonNode.Parse(Fixture.GetProperty("input")[0].GetRawText())!.AsObject();
        input.Remove("raw_text");
        return EventJson.Read(Encoding.UTF8.GetBytes(input.ToJsonString()), MessageFormat.Dho)[0];
    }

    [Fact]
    public void The_expert_writes_what_intelmq_s_idea_expert_writes_but_a_stable_id()
    {
        var ev = FixtureEvent();
        var output = new CollectingEmitter();
        new IdeaExpert(new IdeaExpertOptions { TestMode = false }).Process(ev, output);
        var idea = ((JsonObject)output.Events[0]["output"]!).DeepClone().AsObject();
        Assert.Equal(ev.Id, (string)idea["ID"]!);
        idea.Remove("ID");
        var expected = JsonNode.Parse(Fixture.GetProperty("other_assertions")[0].GetProperty("args")[0].GetRawText())!;
        // IntelMQ keeps the IPv6 address as the feed wrote it; the IDF writes its canonical form.
        expected["Target"]![0]!["IP6"]![0] = "2001:db8::bb2b:f258";
        Assert.True(JsonNode.DeepEquals(expected, idea), idea.ToJsonString());
    }

    [Fact]
    public void Test_mode_adds_the_test_category()
    {
        var idea = IdeaFormat.FromEvent(FixtureEvent(), testMode: true);
        Assert.Equal(["Malware", "Test"], idea["Category"]!.AsArray().Select(c => (string)c!));
    }

    [Fact]
    public void Idf_to_idea_to_idf_keeps_every_field_idea_carries()
    {
        var ev = FixtureEvent();
        var idea = IdeaFormat.FromEvent(ev);
        var output = CollectingEmitter.Run(new IdeaParser(), idea.ToJsonString(), ("feed.name", "Malware Domain List"));
        var back = Assert.Single(output.Events);
        foreach (var field in (string[])["@timestamp", "event.created", "classification.type", "feed.accuracy", "feed.url", "message", "event.reference",
                     "misp.event_uuid", "source.ip", "source.as.number", "source.reverse_dns", "source.url.full", "destination.ip", "destination.port",
                     "network.transport", "network.protocol", "event.original"])
            Assert.True(Equals(ev[field], back[field]), $"{field}: {ev[field]} became {back[field]}");
        Assert.Equal(ev.Id, back.Id);
        Assert.Equal(ev.Id, back["custom.idea_id"]?.ToString());
    }

    [Fact]
    public void A_message_with_several_sources_keeps_the_first_as_source_and_every_address_as_related()
    {
        var message = """
            {"Format": "IDEA0", "ID": "4390f6d9-a5d6-4f0f-9a16-6d0a6f3a9b1e", "DetectTime": "2024-03-01T10:00:00Z", "Category": ["Recon.Scanning"],
             "Source": [{"IP4": ["192.0.2.1", "192.0.2.2"], "Proto": ["tcp"]}, {"IP6": ["2001:db8::1"]}],
             "Target": [{"IP4": ["198.51.100.0/24"], "Port": [22, 23]}],
             "Node": [{"Name": "cz.example.honeypot", "SW": ["Example"]}]}
            """;
        var ev = Assert.Single(CollectingEmitter.Run(new IdeaParser(), message).Events);
        Assert.Equal("scanner", ev["classification.type"]);
        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.Equal("198.51.100.0/24", ev["destination.network"]);
        Assert.Equal(22L, ev["destination.port"]);
        Assert.Equal(["192.0.2.1", "192.0.2.2", "2001:db8::1"], (IEnumerable<object>)ev["related.ip"]!);
        Assert.NotNull(ev["custom.idea_source"]);
        Assert.NotNull(ev["custom.idea_target"]);
        Assert.NotNull(ev["custom.idea_node"]);
        Assert.Equal("2024-03-01T10:00:00+00:00", ev["@timestamp"]);
    }

    [Fact]
    public void A_message_that_is_not_idea0_goes_to_the_dump()
    {
        var output = CollectingEmitter.Run(new IdeaParser(), """[{"Format": "IDEA1"}, {"Format": "IDEA0", "DetectTime": "2024-01-01T00:00:00Z", "Category": ["Other"]}]""");
        Assert.Single(output.Events);
        Assert.Equal("element 1", Assert.Single(output.Rejected).Position);
    }
}

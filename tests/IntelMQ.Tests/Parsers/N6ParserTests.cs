using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Core.Interop;
using IntelMQ.Experts.N6;
using IntelMQ.Parsers.N6;

namespace IntelMQ.Tests.Parsers;

/// <summary>n6 → IDF (n6-parser, N6Format.ToEvents) and back (n6-expert, N6Format.FromEvents) on examples/n6.</summary>
public sealed class N6ParserTests
{
    static readonly string Samples = File.ReadAllText(Path.Combine(Paths.Repo, "examples", "n6", "n6-events.json"));

    static List<JsonElement> Records() => JsonDocument.Parse(Samples).RootElement.EnumerateArray().ToList();

    static CollectingEmitter Run(string body) => CollectingEmitter.Run(new N6Parser(), body, ("feed.name", "n6"), ("feed.provider", "CERT.PL"));

    [Fact]
    public void Every_address_becomes_an_event_with_its_own_as_and_country_and_all_are_related()
    {
        var events = Run(Records()[1].GetRawText()).Events;
        Assert.Equal(3, events.Count);
        Assert.Equal(["198.51.100.7", "2001:db8::7", "203.0.113.9"], events.Select(e => e["source.ip"]));
        Assert.Equal([64501L, 64502L, 64503L], events.Select(e => e["source.as.number"]));
        Assert.Equal(["DE", "NL", "US"], events.Select(e => e["source.geo.country_iso_code"]));
        Assert.Equal("c2.example.net", events[0]["source.reverse_dns"]);
        Assert.Equal(["2001:db8::7", "198.51.100.7", "203.0.113.9"], (IEnumerable<object>)events[1]["related.ip"]!);
        Assert.Equal(3, events.Select(e => e.Id).Distinct().Count());
        Assert.All(events.Skip(1), e => Assert.Contains(((IEnumerable<object>)e["links"]!).Cast<JsonObject>(),
            l => (string)l["type"]! == "same-report" && (string)l["id"]! == events[0].Id));
        Assert.All(events, e => Assert.Equal("c2-server", e["classification.type"]));
        Assert.All(events, e => Assert.Equal("public", e["custom.restriction"]?.ToString()));
        Assert.All(events, e => Assert.Equal("bl-new", e["custom.type"]?.ToString()));
    }

    [Fact]
    public void Hashes_restriction_and_the_category_are_kept()
    {
        var ev = Assert.Single(Run(Records()[2].GetRawText()).Events);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ev["file.hash.sha256"]);
        Assert.Equal("d41d8cd98f00b204e9800998ecf8427e", ev["file.hash.md5"]);
        Assert.Equal("malware-distribution", ev["classification.type"]);
        Assert.Equal("malurl", ev["classification.identifier"]);
        Assert.Null(ev["source.ip"]);
    }

    [Fact]
    public void A_rest_api_list_gives_the_events_of_every_element_and_a_bad_element_goes_to_the_dump()
    {
        var output = Run($"[{Records()[0].GetRawText()}, 17, {Records()[3].GetRawText()}]");
        Assert.Equal(["192.0.2.40", "192.0.2.99"], output.Events.Select(e => e["source.ip"]));
        Assert.Equal("element 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void A_value_a_field_refuses_is_kept_under_custom_with_its_n6_name()
    {
        var ev = Assert.Single(Run("""{"category": "other", "dip": "not an address", "time": "2024-01-01T00:00:00Z", "source": "x", "id": "1"}""").Events);
        Assert.Null(ev["destination.ip"]);
        Assert.Equal("not an address", ev["custom.dip"]?.ToString());
    }

    [Fact]
    public void N6_to_idf_to_n6_round_trips_every_sample()
    {
        foreach (var record in Records())
        {
            var events = N6Format.ToEvents(record, () => Event.Create());
            var back = N6Format.FromEvents(events);
            Assert.Equal(Canonical(JsonNode.Parse(record.GetRawText())!), Canonical(back));
        }
    }

    [Fact]
    public void The_n6_expert_writes_the_n6_event_into_output()
    {
        var ev = Run(Records()[0].GetRawText()).Events[0];
        var output = new CollectingEmitter();
        new N6Expert().Process(ev, output);
        var n6 = (JsonObject)output.Events[0]["output"]!;
        Assert.Equal("bots", (string)n6["category"]!);
        Assert.Equal("slenfbot", (string)n6["name"]!);
        Assert.Equal("2015-08-28T09:32:05Z", (string)n6["time"]!);
        Assert.Equal(64500, (long)n6["address"]![0]!["asn"]!);
    }

    // Members sorted, so that two objects with the same members in another order compare equal.
    static string Canonical(JsonNode node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{(p.Value is null ? "null" : Canonical(p.Value))}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(v => v is null ? "null" : Canonical(v))) + "]",
        _ => node.ToJsonString(),
    };
}

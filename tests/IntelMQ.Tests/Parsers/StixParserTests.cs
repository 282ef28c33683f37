using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Parsers.Stix;

namespace IntelMQ.Tests.Parsers;

/// <summary>The STIX 2.1 parser on the OASIS examples and on an envelope written from the specification's examples (examples/stix).</summary>
public sealed class StixParserTests
{
    static string Sample(string name) => File.ReadAllText(Path.Combine(Paths.Repo, "examples", "stix", name));

    static CollectingEmitter Run(string body, StixParserOptions? options = null) =>
        CollectingEmitter.Run(new StixParser(options), body, ("feed.name", "STIX test"), ("feed.provider", "OASIS"));

    static List<string> Links(Event ev, string type) =>
        ((IEnumerable<object>)ev["links"]!).Cast<JsonObject>().Where(l => (string)l["type"]! == type).Select(l => (string)l["id"]!).ToList();

    [Fact]
    public void An_indicator_for_one_address_gives_one_event_with_its_context()
    {
        var output = Run(Sample("indicator-for-c2-ip-address.json"));
        var ev = Assert.Single(output.Events);
        Assert.Equal("10.0.0.0", ev["source.ip"]);
        Assert.Equal("ipv4-addr", ev["threat.indicator.type"]);
        Assert.Equal("IP Address for known C2 channel", ev["message"]);
        Assert.Equal("Test description C2 channel.", ev["threat.indicator.description"]);
        Assert.Equal("2014-05-08T09:00:00+00:00", ev["@timestamp"]);
        Assert.Equal(["malicious-activity"], (IEnumerable<object>)ev["tags"]!);
        Assert.Equal(["indicator--33fe3b22-0201-47cf-85d0-97c02164528d"], Links(ev, "parent"));
        Assert.Empty(output.Rejected);
    }

    [Fact]
    public void Poison_ivy_gives_one_event_per_value_linked_to_the_first_and_rejects_the_bad_domain()
    {
        var output = Run(Sample("poisonivy.json"));
        Assert.True(output.Events.Count > 25);
        var first = output.Events[0];
        Assert.Empty(Links(first, "same-report"));
        Assert.All(output.Events.Skip(1), e => Assert.Equal([first.Id!], Links(e, "same-report")));
        Assert.Equal(output.Events.Count, output.Events.Select(e => e.Id).Distinct().Count());
        Assert.Contains(output.Events, e => (string?)e["source.domain"] == "www.webserver.dynssl.com" && ((string?)e["threat.software.name"])?.StartsWith("pivy variant") == true);
        var rejected = Assert.Single(output.Rejected, r => r.Content.Contains("autuo.xicp.net"));
        Assert.Contains("alternative 1", rejected.Position);
        Assert.Contains(output.Events, e => (string?)e["source.ip"] == "60.10.1.115");
    }

    [Fact]
    public void An_indicator_carries_tlp_confidence_kill_chain_validity_provider_and_the_indicated_malware()
    {
        var ev = Run(Sample("spec-examples-envelope.json")).Events.First(e => e["file.hash.sha256"] is not null && e["threat.indicator.sightings"] is null);
        Assert.Equal("4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877", ev["file.hash.sha256"]);
        Assert.Equal("GREEN", ev["threat.indicator.marking.tlp"]);
        Assert.Equal("High", ev["threat.indicator.confidence"]);
        Assert.Equal(["installation"], (IEnumerable<object>)ev["threat.tactic.name"]!);
        Assert.Equal("lockheed-martin-cyber-kill-chain", ev["threat.framework"]);
        Assert.Equal("2016-01-01T00:00:00+00:00", ev["event.start"]);
        Assert.Equal("2017-01-01T00:00:00+00:00", ev["event.end"]);
        Assert.Equal("ACME Widget, Inc.", ev["threat.indicator.provider"]);
        Assert.Equal("poison ivy", ev["threat.software.name"]);
        Assert.Equal(["poison-ivy", "malicious-activity"], (IEnumerable<object>)ev["tags"]!);
    }

    [Fact]
    public void And_within_one_network_traffic_observation_gives_one_event_with_address_and_port()
    {
        var ev = Assert.Single(Run(Sample("spec-examples-envelope.json")).Events, e => (string?)e["message"] == "C2 traffic");
        Assert.Equal("203.0.113.33", ev["destination.ip"]);
        Assert.Equal(443L, ev["destination.port"]);
        Assert.Equal("AMBER", ev["threat.indicator.marking.tlp"]);
    }

    [Fact]
    public void In_and_or_give_one_event_per_value()
    {
        var events = Run(Sample("spec-examples-envelope.json")).Events.Where(e => (string?)e["message"] == "Bad domains and addresses").ToList();
        Assert.Equal(5, events.Count);
        Assert.Equal("example.com", events[0]["source.domain"]);
        Assert.Equal("example.net", events[1]["source.domain"]);
        Assert.Equal("2001:db8:dead:beef::/64", events[2]["source.network"]);
        Assert.Equal("http://example.com/foo", events[3]["source.url.full"]);
        Assert.Equal("john@example.com", events[4]["source.user.name"]);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], events.Select(e => e["event.sequence"]));
        Assert.Single(events.Select(e => e["event.original"]).Distinct()); // the indicator, as it came
        Assert.Equal(5, events.Select(e => e.Id).Distinct().Count());
    }

    [Fact]
    public void Qualifiers_and_across_objects_and_other_pattern_languages_go_to_the_dump_with_the_reason()
    {
        var rejected = Run(Sample("spec-examples-envelope.json")).Rejected;
        Assert.Contains(rejected, r => r.Position.Contains("indicator--0c7b5b88") && r.Error.Message.Contains("temporal qualifier REPEATS"));
        Assert.Contains(rejected, r => r.Position.Contains("indicator--5a1b4e1c") && r.Error.Message.Contains("AND across object types"));
        Assert.Contains(rejected, r => r.Position.Contains("indicator--7d9a62a8") && r.Error.Message.Contains("pattern_type 'snort'"));
    }

    [Fact]
    public void A_sighting_gives_its_indicator_s_values_with_counts_and_both_ids()
    {
        var ev = Assert.Single(Run(Sample("spec-examples-envelope.json")).Events, e => e["threat.indicator.sightings"] is 50L && e["file.hash.sha256"] is not null);
        Assert.Equal("2015-12-21T19:00:00+00:00", ev["@timestamp"]);
        Assert.Equal(["sighting--ee20065d-2555-424f-ad9e-0f8428623c75", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"], (IEnumerable<object>)ev["threat.indicator.id"]!);
        Assert.Equal("ACME Widget, Inc.", ((JsonArray)ev["custom.stix_where_sighted"]!)[0]!.GetValue<string>());
    }

    [Fact]
    public void Observed_data_gives_network_traffic_with_its_ends_and_other_observables_and_rejects_what_has_no_value()
    {
        var output = Run(Sample("spec-examples-envelope.json"));
        var observed = output.Events.Where(e => ((IEnumerable<object>)e["threat.indicator.id"]!).Contains("observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf")).ToList();
        Assert.Equal(2, observed.Count);
        Assert.Equal("198.51.100.2", observed[0]["source.ip"]);
        Assert.Equal("198.51.100.3", observed[0]["destination.ip"]);
        Assert.Equal(80L, observed[0]["destination.port"]);
        Assert.Equal("tcp", observed[0]["network.transport"]);
        Assert.Equal("example.org", observed[1]["source.domain"]);
        Assert.Contains(output.Rejected, r => r.Position.Contains("process--f52a906a") && r.Error.Message.Contains("process"));
    }

    [Fact]
    public void A_matches_operator_is_refused_with_the_operator_named()
    {
        var output = Run(Sample("malicious-email-indicator-with-attachment.json"));
        Assert.Empty(output.Events);
        Assert.Equal(2, output.Rejected.Count);
        Assert.All(output.Rejected, r => Assert.Contains("operator MATCHES", r.Error.Message));
    }

    [Fact]
    public void A_bare_stix_object_and_a_list_of_objects_are_read_too()
    {
        var indicator = """{"type": "indicator", "id": "indicator--1", "pattern": "[url:value = 'http://example.com/a']", "valid_from": "2020-01-01T00:00:00Z"}""";
        Assert.Equal("http://example.com/a", Assert.Single(Run(indicator).Events)["source.url.full"]);
        Assert.Single(Run($"[{indicator}]").Events);
    }

    [Fact]
    public void A_sighting_of_an_indicator_outside_the_report_is_refused()
    {
        var body = """{"type": "bundle", "objects": [{"type": "sighting", "id": "sighting--1", "sighting_of_ref": "indicator--elsewhere"}]}""";
        Assert.Contains("not an indicator of this report", Assert.Single(Run(body).Rejected).Error.Message);
    }

    [Theory]
    [InlineData("[ipv4-addr:value = '198.51.100.1'] AND [domain-name:value = 'example.com']", "observations joined by AND")]
    [InlineData("[ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.2']", "FOLLOWEDBY")]
    [InlineData("[ipv4-addr:value = '198.51.100.1'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'", "temporal qualifier START")]
    [InlineData("[ipv4-addr:value != '198.51.100.1']", "operator !=")]
    [InlineData("[ipv4-addr:value NOT = '198.51.100.1']", "NOT")]
    [InlineData("[ipv4-addr:value = '198.51.100.1'", "not closed")]
    [InlineData("[ipv4-addr:value = '198.51.100.1]", "not closed")]
    public void Patterns_that_name_no_single_values_are_refused_with_the_reason(string pattern, string reason)
    {
        var error = Assert.Throws<FormatException>(() => StixPattern.Parse(pattern));
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Or_inside_and_is_expanded_into_alternatives()
    {
        var alternatives = StixPattern.Parse("[(file:hashes.MD5 = 'a' OR file:hashes.MD5 = 'b') AND file:hashes.'SHA-1' = 'c'] OR ([url:value = 'http://x/\\'y'])");
        Assert.Equal(3, alternatives.Count);
        Assert.Equal([("hashes.MD5", "a"), ("hashes.'SHA-1'", "c")], alternatives[0].Select(c => (c.Path, c.Value)));
        Assert.Equal("http://x/'y", Assert.Single(alternatives[2]).Value);
    }

    [Fact]
    public void Deeply_nested_parentheses_do_not_exhaust_the_stack()
    {
        var depth = 20_000;
        var pattern = "[" + new string('(', depth) + "ipv4-addr:value = '198.51.100.1'" + new string(')', depth) + "]";
        Assert.Single(StixPattern.Parse(pattern));
    }

    [Fact]
    public void A_pattern_that_multiplies_into_too_many_alternatives_is_refused()
    {
        var or = "(" + string.Join(" OR ", Enumerable.Range(0, 200).Select(i => $"file:hashes.MD5 = '{i}'")) + ")";
        var error = Assert.Throws<FormatException>(() => StixPattern.Parse($"[{or} AND {or}]"));
        Assert.Contains("alternatives", error.Message);
    }
}

using IntelMQ.Parsers.AbuseCh;
using IntelMQ.Parsers.AlienVault;
using IntelMQ.Parsers.AnubisNetworks;
using IntelMQ.Parsers.Blueliv;
using IntelMQ.Parsers.Calidog;
using IntelMQ.Parsers.CzNic;
using IntelMQ.Parsers.Eset;
using IntelMQ.Parsers.Fraunhofer;

namespace IntelMQ.Tests.Parsers;

/// <summary>The parsers of JSON feeds: bad elements, odd shapes, what the fixtures do not show.</summary>
public sealed class JsonParsersTests
{
    [Fact]
    public void A_feodo_element_with_a_bad_address_is_rejected_and_the_others_parse()
    {
        var body = """[{"ip_address": "192.0.2.1", "port": 443, "malware": "QakBot", "first_seen": "2023-01-01 00:00:00"}, {"ip_address": "nope", "port": 1}, {"ip_address": "192.0.2.3", "last_online": "2023-02-01"}]""";
        var output = CollectingEmitter.Run(new FeodoTrackerParser(), body);
        Assert.Equal(["192.0.2.1", "192.0.2.3"], output.Events.Select(e => e["source.ip"]));
        Assert.Equal("qakbot", output.Events[0]["threat.software.name"]);
        Assert.Equal("2023-02-01T00:00:00+00:00", output.Events[1]["@timestamp"]);
        Assert.Equal("element 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void An_empty_feodo_list_gives_no_events()
    {
        var output = CollectingEmitter.Run(new FeodoTrackerParser(), "[]");
        Assert.Empty(output.Events);
        Assert.Empty(output.Rejected);
    }

    [Fact]
    public void A_haas_session_whose_login_failed_is_brute_force()
    {
        var body = """[{"time": "2020-06-29T00:00:01.064095+00:00", "ip": "192.0.2.1", "country": "CN", "login_successful": false, "commands": []}]""";
        var ev = Assert.Single(CollectingEmitter.Run(new HaasParser(), body).Events);
        Assert.Equal("brute-force", ev["classification.type"]);
        Assert.Equal(22L, ev["destination.port"]);
    }

    [Fact]
    public void A_proki_event_with_a_field_intelmq_does_not_know_is_rejected()
    {
        var body = """{"data": [{"source.ip": "192.0.2.1", "classification.type": "scanner"}, {"source.ip": "192.0.2.2", "bogus.field": 1}]}""";
        var output = CollectingEmitter.Run(new ProkiParser(), body);
        Assert.Equal("192.0.2.1", Assert.Single(output.Events)["source.ip"]);
        Assert.Equal("data element 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void Fraunhofer_takes_the_family_from_the_seed_and_tells_addresses_from_domains()
    {
        var body = """{"banjori_dga_a.com_0x1": ["a.example.com", "192.0.2.1"]}""";
        var output = CollectingEmitter.Run(new FraunhoferDgaParser(), body);
        Assert.Equal("a.example.com", output.Events[0]["source.domain"]);
        Assert.Equal("192.0.2.1", output.Events[1]["source.ip"]);
        Assert.All(output.Events, e => Assert.Equal("banjori", e["threat.software.name"]));
    }

    [Fact]
    public void A_certstream_heartbeat_gives_no_events()
    {
        var output = CollectingEmitter.Run(new CertStreamParser(), """{"message_type": "heartbeat", "timestamp": 1529079021.0}""");
        Assert.Empty(output.Events);
    }

    [Fact]
    public void An_otx_indicator_with_a_bad_value_is_rejected_and_the_pulse_goes_on()
    {
        var body = """[{"name": "p", "id": "1", "modified": "2017-06-15T05:17:12.180000", "indicators": [{"type": "IPv4", "indicator": "bad", "created": "2017-06-15T05:13:02"}, {"type": "domain", "indicator": "example.com", "created": "2017-06-15T05:13:02.093"}]}]""";
        var output = CollectingEmitter.Run(new AlienVaultOtxParser(), body);
        var ev = Assert.Single(output.Events);
        Assert.Equal("example.com", ev["source.domain"]);
        Assert.Equal("2017-06-15T05:13:02+00:00", ev["@timestamp"]);
        Assert.Equal("pulse 1 indicator 1", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void An_anubisnetworks_test_record_is_dropped_with_the_reason()
    {
        var body = """{"_ts": 1593164021, "malw": {"family": "TestSinkholingLoss"}, "src": {"ip": "192.0.2.1", "port": 1}}""";
        var output = CollectingEmitter.Run(new AnubisNetworksParser(), body);
        Assert.Empty(output.Events);
        Assert.Contains("TestSinkholingLoss", Assert.Single(output.Dropped).Reason);
    }

    [Fact]
    public void An_eset_report_of_an_unknown_feed_is_refused_and_an_nxdomain_marker_is_no_address()
    {
        var body = """[{"domain": "example.com", "ip": "@ipv4_NXDOMAIN", "reason": "r", "last_seen": "2020-06-20 09:00:00 UTC"}]""";
        var ev = Assert.Single(CollectingEmitter.Run(new EsetParser(), body, ("extra.eset_feed", "ei.domains v2 (json)")).Events);
        Assert.False(ev.Contains("source.ip"));
        Assert.Throws<InvalidDataException>(() => CollectingEmitter.Run(new EsetParser(), body, ("extra.eset_feed", "ei.files")));
    }

    [Fact]
    public void A_blueliv_element_of_an_unknown_type_is_rejected_and_a_tor_node_is_marked()
    {
        var body = """[{"type": "SOMETHING", "url": "http://a.example/"}, {"type": "TOR_IP", "ip": "192.0.2.1", "url": "192.0.2.1", "lastSeenAt": "2015-12-13T17:26:23+0000"}]""";
        var output = CollectingEmitter.Run(new BluelivCrimeserverParser(), body);
        var ev = Assert.Single(output.Events);
        Assert.Equal(true, ev["source.tor_node"]);
        Assert.Equal("element 1", Assert.Single(output.Rejected).Position);
    }
}

using IntelMQ.Parsers.MalwareUrl;
using IntelMQ.Parsers.McAfee;
using IntelMQ.Parsers.Microsoft;
using IntelMQ.Parsers.Misp;
using IntelMQ.Parsers.Shodan;
using IntelMQ.Parsers.ThreatMiner;

namespace IntelMQ.Tests.Parsers;

/// <summary>MISP, Shodan, Microsoft CTIP, McAfee ATD, MalwareURL and ThreatMiner: what their fixtures do not show.</summary>
public sealed class IndicatorParsersTests
{
    const string MispEvent = """
        {"Event": {"id": "7", "uuid": "5758ebf5-c898-48e6-9fe9-5665c0a83866", "Tag": [{"name": "ecsirt:fraud=\"phishing\""}],
         "Attribute": [
          {"category": "Network activity", "type": "ip-dst|port", "value": "192.0.2.1|8080", "uuid": "575c8598-f1f0-4c16-a94a-0612c0a83866", "timestamp": "1465681304",
           "Tag": [{"name": "rsit:malicious-code=\"c2-server\""}]},
          {"category": "Network activity", "type": "domain", "value": "deleted.example", "deleted": true, "uuid": "575c8598-f1f0-4c16-a94a-0612c0a83867"},
          {"category": "External analysis", "type": "url", "value": "http://analysis.example/", "uuid": "575c8598-f1f0-4c16-a94a-0612c0a83868"},
          {"category": "Network activity", "type": "ip-src", "value": "not an address", "uuid": "575c8598-f1f0-4c16-a94a-0612c0a83869"}],
         "Object": [{"Attribute": [{"category": "Network activity", "type": "domain", "value": "c2.example", "uuid": "575c8598-f1f0-4c16-a94a-0612c0a8386a"}]}]}}
        """;

    [Fact]
    public void A_misp_event_gives_an_event_per_indicator_with_its_tag_or_the_events_classification()
    {
        var output = CollectingEmitter.Run(new MispParser(), MispEvent, ("feed.url", "https://misp.example"));
        Assert.Equal(2, output.Events.Count);
        var port = output.Events[0];
        Assert.Equal("192.0.2.1", port["destination.ip"]);
        Assert.Equal(8080L, port["destination.port"]);
        Assert.Equal("c2-server", port["classification.type"]);
        Assert.Equal("https://misp.example/events/view/7", port["event.reference"]);
        Assert.Equal("c2.example", output.Events[1]["source.domain"]);
        Assert.Equal("phishing", output.Events[1]["classification.type"]);
        Assert.Equal("Attribute 4", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void A_report_that_is_not_a_misp_event_is_refused()
    {
        Assert.Throws<InvalidDataException>(() => CollectingEmitter.Run(new MispParser(), """{"response": []}"""));
    }

    const string Banner = """{"ip_str": "192.0.2.1", "port": 22, "transport": "tcp", "asn": "AS64496", "timestamp": "2018-06-19T13:02:37.371273", "ssh": {"type": "ssh-rsa", "cipher": "aes128-ctr"}, "_shodan": {"module": "ssh"}}""";

    [Fact]
    public void Shodan_json_lines_give_an_event_per_banner_with_the_protocol_under_extra()
    {
        var output = CollectingEmitter.Run(new ShodanParser(), Banner + "\nnot json\n" + Banner.Replace("192.0.2.1", "192.0.2.2"));
        Assert.Equal(["192.0.2.1", "192.0.2.2"], output.Events.Select(e => e["source.ip"]));
        Assert.Equal("ssh-rsa", output.Events[0]["custom.ssh.type"]);
        Assert.Equal("ssh", output.Events[0]["network.protocol"]);
        Assert.Equal(64496L, output.Events[0]["source.as.number"]);
        Assert.Equal("line 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void A_shodan_value_its_field_refuses_is_kept_aside_or_with_ignore_errors_off_dumps_the_banner()
    {
        var bad = Banner.Replace("\"port\": 22", "\"port\": 99999");
        var kept = Assert.Single(CollectingEmitter.Run(new ShodanParser(), bad).Events);
        Assert.Equal(99999L, kept["custom.shodan.refused.port"]);
        var strict = CollectingEmitter.Run(new ShodanParser(new ShodanParserOptions { IgnoreErrors = false }), bad);
        Assert.Empty(strict.Events);
        Assert.Single(strict.Rejected);
    }

    const string Azure = """{"DataFeed":"CTIP-Infected","SourcedFrom":"SinkHoleMessage","DateTimeReceivedUtc":132348339284870000,"ThreatCode":"B67-SS-TINBA","ThreatConfidence":"Medium","TLP":"Red","SourceIp":"192.0.2.1","SourcePort":1,"Payload":"just text"}""";

    [Fact]
    public void Ctip_azure_overwrite_replaces_the_feed_name_and_a_c2_record_reads_alike()
    {
        var body = Azure + "\n" + Azure.Replace("CTIP-Infected", "CTIP-C2") + "\n{\"DataFeed\": \"CTIP-Infected\", \"SourceIp\": \"nope\"}";
        var output = CollectingEmitter.Run(new MicrosoftCtipParser(new MicrosoftCtipParserOptions { Overwrite = true }), body, ("feed.name", "ctip"), ("feed.accuracy", 50.0));
        Assert.Equal(["CTIP-Infected", "CTIP-C2"], output.Events.Select(e => e["feed.name"]));
        var ev = output.Events[0];
        Assert.Equal("CTIP-Infected", ev["feed.name"]);
        Assert.Equal(25.0, ev["feed.accuracy"]);
        Assert.Equal("RED", ev["threat.indicator.marking.tlp"]);
        Assert.Equal("just text", ev["custom.payload.text"]);
        Assert.Equal("2020-05-24T22:45:28.487000+00:00", ev["@timestamp"]);
        Assert.Equal("line 3", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void A_ctip_interflow_record_of_another_threat_type_is_dumped()
    {
        var output = CollectingEmitter.Run(new MicrosoftCtipParser(), """[{"indicatorthreattype": "Phishing", "networksourceipv4": "192.0.2.1"}]""");
        Assert.Empty(output.Events);
        Assert.Equal("element 1", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void An_atd_report_below_the_verdict_severity_is_dropped_with_the_reason()
    {
        var report = """{"Summary": {"Subject": {"Name": "a.exe", "md5": "6C3F06652A4868E005EB42DAAF1CEE43"}, "Verdict": {"Severity": "3"}, "Ips": [{"Ipv4": "192.0.2.1", "Port": "80"}]}}""";
        var output = CollectingEmitter.Run(new McAfeeAtdParser(), report);
        Assert.Empty(output.Events);
        Assert.Contains("below verdict_severity 4", Assert.Single(output.Dropped).Reason, StringComparison.Ordinal);
        var low = CollectingEmitter.Run(new McAfeeAtdParser(new McAfeeAtdParserOptions { VerdictSeverity = 3 }), report);
        Assert.Equal(["a.exe", "a.exe"], low.Events.Select(e => e["threat.software.name"]));
        Assert.Equal("192.0.2.1", low.Events[1]["destination.ip"]);
    }

    [Fact]
    public void Malwareurl_pairs_each_domain_with_the_address_after_it()
    {
        var page = """<input type="text" value="a.example" size="35"><input type="text" value="192.0.2.1" size="12"><input type="text" value="b.example" size="35">""";
        var output = CollectingEmitter.Run(new MalwareUrlParser(), page);
        Assert.Equal(["a.example", "b.example"], output.Events.Select(e => e["source.domain"]));
        Assert.Equal("192.0.2.1", output.Events[0]["source.ip"]);
        Assert.False(output.Events[1].Contains("source.ip"));
    }

    [Fact]
    public void Threatminer_reads_the_domain_links_and_dumps_a_name_that_is_not_one()
    {
        var page = "<a href='domain.php?q=a.example\n'>a.example\n</a><a href='domain.php?q=x'>not a domain!</a>";
        var output = CollectingEmitter.Run(new ThreatMinerParser(), page);
        Assert.Equal("a.example", Assert.Single(output.Events)["source.domain"]);
        Assert.Equal("'>a.example", output.Events[0]["event.original"]);
        Assert.Equal("domain 2", Assert.Single(output.Rejected).Position);
    }
}

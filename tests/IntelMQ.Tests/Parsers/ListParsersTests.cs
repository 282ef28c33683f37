using IntelMQ.Parsers.Bambenek;
using IntelMQ.Parsers.BlocklistDe;
using IntelMQ.Parsers.CiArmy;
using IntelMQ.Parsers.DangerRulez;
using IntelMQ.Parsers.DataPlane;
using IntelMQ.Parsers.DShield;
using IntelMQ.Parsers.Dyn;

namespace IntelMQ.Tests.Parsers;

/// <summary>The one-record-per-line list parsers: what the fixtures do not show (bad lines, comments, empty reports).</summary>
public sealed class ListParsersTests
{
    [Fact]
    public void A_bad_line_is_rejected_with_its_line_number_and_the_others_parse()
    {
        var output = CollectingEmitter.Run(new CiArmyParser(), "# CINS Army list\n192.0.2.1\nnot-an-address\n\n198.51.100.7\n");
        Assert.Equal(["192.0.2.1", "198.51.100.7"], output.Events.Select(e => e["source.ip"]));
        var (position, content, _) = Assert.Single(output.Rejected);
        Assert.Equal("line 3", position);
        Assert.Equal("not-an-address", content);
    }

    [Fact]
    public void An_empty_report_gives_no_events_and_no_errors()
    {
        var output = CollectingEmitter.Run(new CiArmyParser(), "");
        Assert.Empty(output.Events);
        Assert.Empty(output.Rejected);
    }

    [Fact]
    public void Each_event_carries_its_line_as_raw_and_a_stable_id()
    {
        var first = CollectingEmitter.Run(new CiArmyParser(), "192.0.2.1\n", ("feed.name", "CI Army"));
        var second = CollectingEmitter.Run(new CiArmyParser(), "192.0.2.1\n", ("feed.name", "CI Army"));
        Assert.Equal("192.0.2.1", first.Events[0]["event.original"]);
        Assert.Equal(first.Events[0].Id, second.Events[0].Id);
    }

    [Fact]
    public void Blocklist_de_takes_what_the_addresses_did_from_the_list_name()
    {
        var output = CollectingEmitter.Run(new BlocklistDeParser(), "192.0.2.1\n", ("feed.url", "https://lists.blocklist.de/lists/ssh.txt"));
        var ev = Assert.Single(output.Events);
        Assert.Equal("ids-alert", ev["classification.type"]);
        Assert.Equal("ssh", ev["network.protocol"]);
    }

    [Fact]
    public void Blocklist_de_refuses_a_report_of_an_unknown_list()
    {
        var error = Assert.Throws<InvalidDataException>(() => CollectingEmitter.Run(new BlocklistDeParser(), "192.0.2.1\n", ("feed.url", "https://lists.blocklist.de/lists/unknown.txt")));
        Assert.Contains("unknown.txt", error.Message);
    }

    [Fact]
    public void Danger_rulez_rejects_a_line_without_its_date()
    {
        var output = CollectingEmitter.Run(new DangerRulezParser(), "192.0.2.1\t\t# 2016-11-10 09:11:03\t\t56\t1\n192.0.2.2\n");
        Assert.Equal("2016-11-10T09:11:03+00:00", Assert.Single(output.Events)["@timestamp"]);
        Assert.Equal("line 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void Dataplane_leaves_out_an_asn_of_NA_and_rejects_a_short_line()
    {
        var body = "NA  |  NA  |  192.0.2.1  |  2016-12-01 20:41:09  |  sshpwauth\n64496 | EXAMPLE - Example, AT |\n";
        var output = CollectingEmitter.Run(new DataPlaneParser(), body);
        var ev = Assert.Single(output.Events);
        Assert.False(ev.Contains("source.as.number"));
        Assert.Equal("brute-force", ev["classification.type"]);
        Assert.Equal("line 2", Assert.Single(output.Rejected).Position);
    }

    [Fact]
    public void Dshield_block_dates_every_network_with_the_header_update_time()
    {
        var body = "#    updated: Tue Dec 15 15:33:38 2015 UTC\nStart\tEnd\tNetblock\tAttacks\tName\tCountry\temail\n192.0.2.0\t192.0.2.255\t24\t5\n";
        var ev = Assert.Single(CollectingEmitter.Run(new DShieldBlockParser(), body).Events);
        Assert.Equal("192.0.2.0/24", ev["source.network"]);
        Assert.Equal("2015-12-15T15:33:38+00:00", ev["@timestamp"]);
    }

    [Fact]
    public void Dshield_asn_strips_the_zero_padding_of_addresses()
    {
        var output = CollectingEmitter.Run(new DShieldAsnParser(), "192.000.002.001\t1\t1\t\t2015-12-10\t2015-12-14 12:40:59\n", ("feed.url", "https://dshield.org/asdetailsascii.html?as=64496"));
        var ev = Assert.Single(output.Events);
        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.Equal(64496L, ev["source.as.number"]);
    }

    [Fact]
    public void Dyn_gives_two_events_per_line_and_reads_the_header_time_zone()
    {
        var body = "# last updated: Tue Mar 15 00:47:49 PDT 2016\n/ a.example.com http://a.example.com/x b.example.net\n";
        var output = CollectingEmitter.Run(new DynParser(), body);
        Assert.Equal(["malware-distribution", "system-compromise"], output.Events.Select(e => e["classification.type"]));
        Assert.All(output.Events, e => Assert.Equal("2016-03-15T07:47:49+00:00", e["@timestamp"]));
        Assert.Equal(2, output.Events.Select(e => e.Id).Distinct().Count()); // one line, two events: two ids
    }

    [Fact]
    public void Bambenek_tells_an_ip_feed_from_its_indicators_when_the_url_does_not()
    {
        var output = CollectingEmitter.Run(new BambenekParser(), "192.0.2.1,IP used by necurs C&C,2016-11-12 18:02,http://osint.bambenekconsulting.com/manual/necurs.txt\n");
        var ev = Assert.Single(output.Events);
        Assert.Equal("192.0.2.1", ev["source.ip"]);
        Assert.Equal("necurs", ev["threat.software.name"]);
        Assert.Equal("c2-server", ev["classification.type"]);
    }
}

using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

public sealed class FieldNormalizerTests
{
    static object Add(string field, object value)
    {
        var ev = new Event();
        ev.Add(field, value);
        return ev[field]!;
    }

    static InvalidFieldException Refused(string field, object value) => Assert.Throws<InvalidFieldException>(() => Add(field, value));

    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData(" 192.0.2.1 ", "192.0.2.1")]
    [InlineData("2001:DB8:0:0::1", "2001:db8::1")]
    [InlineData("::ffff:192.0.2.1", "::ffff:192.0.2.1")]
    public void Ip_addresses_are_canonical(string input, string expected) => Assert.Equal(expected, Add("source.ip", input));

    [Theory]
    [InlineData("999.1.1.1")]
    [InlineData("1.2.3")]
    [InlineData("192.0.2.01")]
    [InlineData("fe80::1%eth0")]
    [InlineData("example.com")]
    public void Invalid_ip_addresses_are_refused_with_the_field_named(string input)
    {
        var error = Refused("source.ip", input);
        Assert.Equal("source.ip", error.Field);
        Assert.Contains("source.ip", error.Message);
        Assert.Contains(input, error.Message);
    }

    [Theory]
    [InlineData("192.0.2.77/24", "192.0.2.0/24")]
    [InlineData("2001:db8::1/32", "2001:db8::/32")]
    [InlineData("192.0.2.1", "192.0.2.1/32")]
    public void Networks_keep_the_network_address(string input, string expected) => Assert.Equal(expected, Add("source.network", input));

    [Theory]
    [InlineData("Host-19.Example.COM.", "host-19.example.com")]
    [InlineData("bücher.example", "xn--bcher-kva.example")]
    [InlineData("_dmarc.example.org", "_dmarc.example.org")]
    public void Domain_names_are_lower_case_idna_without_trailing_dot(string input, string expected) => Assert.Equal(expected, Add("source.domain", input));

    [Theory]
    [InlineData("n/a")]
    [InlineData("192.0.2.1")]
    [InlineData("bad name.example")]
    [InlineData("a..b")]
    public void Invalid_domain_names_are_refused(string input) => Refused("source.domain", input);

    [Fact]
    public void Urls_must_be_absolute()
    {
        Assert.Equal("http://Example.COM/a?b=1", Add("source.url.full", " http://Example.COM/a?b=1 "));
        Refused("source.url.full", "/relative/path");
        Refused("source.url.full", "http:///nohost");
        Refused("source.url.full", "http://with space.example/");
    }

    [Fact]
    public void Ports_asns_and_integers_are_range_checked()
    {
        Assert.Equal(443L, Add("source.port", "443"));
        Assert.Equal(65535L, Add("source.port", 65535));
        Refused("source.port", 65536);
        Refused("source.port", "12a");
        Assert.Equal(4200000289L, Add("source.as.number", "4200000289"));
        Refused("source.as.number", 0);
        Refused("source.as.number", 4294967296L);
        Refused("source.port", true);
    }

    [Theory]
    [InlineData("2024-01-15 00:00:06", "2024-01-15T00:00:06+00:00")]
    [InlineData("2024-01-15 00:00:06 UTC", "2024-01-15T00:00:06+00:00")]
    [InlineData("2018-08-01T00:00:00+00", "2018-08-01T00:00:00+00:00")]
    [InlineData("2018-08-01T02:00:00+0200", "2018-08-01T00:00:00+00:00")]
    [InlineData("2024-05-01T12:00:00.250Z", "2024-05-01T12:00:00.250000+00:00")]
    [InlineData("2024-05-01", "2024-05-01T00:00:00+00:00")]
    [InlineData("Wed, 01 May 2024 12:00:00 GMT", "2024-05-01T12:00:00+00:00")]
    [InlineData("2024-05-01T12:00:00.250000+00:00", "2024-05-01T12:00:00.250000+00:00")]
    [InlineData("2024-05-01T12:00:00.000000+00:00", "2024-05-01T12:00:00+00:00")]
    [InlineData("2024-05-01T12:00:00.250000+02:00", "2024-05-01T10:00:00.250000+00:00")]
    public void Timestamps_are_written_in_utc(string input, string expected) => Assert.Equal(expected, Add("@timestamp", input));

    [Theory]
    [InlineData("yesterday")]
    [InlineData("Jan 5")]
    [InlineData("2024-13-01 00:00:00")]
    [InlineData("2024-02-30T12:00:00.250000+00:00")]
    [InlineData("2024-05-01T12:00:00.25x000+00:00")]
    public void Invalid_timestamps_are_refused(string input) => Refused("@timestamp", input);

    [Fact]
    public void Countries_hashes_booleans_and_floats()
    {
        Assert.Equal("AT", Add("source.geo.country_iso_code", "at"));
        Refused("source.geo.country_iso_code", "AUT");
        Assert.Equal(new string('a', 128), Add("file.hash.sha512", new string('A', 128)));
        Refused("file.hash.sha512", "abc");
        Assert.Equal(true, Add("source.tor_node", "true"));
        Refused("source.tor_node", "maybe");
        Assert.Equal(48.2, Add("source.geo.location.lat", "48.2"));
        Assert.Equal(100.0, Add("feed.accuracy", 100));
        Refused("feed.accuracy", 101);
    }

    [Fact]
    public void Classification_follows_rsit_and_intelmq_legacy_types()
    {
        Assert.Equal("vulnerable", Add("classification.taxonomy", "Vulnerable"));
        Refused("classification.taxonomy", "no-such-taxonomy");
        Assert.Equal("infected-system", Add("classification.type", "infected-system"));
        Assert.Equal("blacklist", Add("classification.type", "blacklist"));
        Refused("classification.type", "no-such-type");
    }

    [Theory]
    [InlineData("tlp:amber", "AMBER")]
    [InlineData("clear", "CLEAR")]
    [InlineData("AMBER+STRICT", "AMBER+STRICT")]
    public void Tlp_levels(string input, string expected) => Assert.Equal(expected, Add("threat.indicator.marking.tlp", input));

    [Fact]
    public void Array_fields_hold_lists_most_relevant_first()
    {
        var ev = new Event();
        ev.Add("related.ip", new[] { "192.0.2.1", "2001:DB8::1" });
        ev.Add("tags", "single");
        Assert.Equal(["192.0.2.1", "2001:db8::1"], (List<object>)ev["related.ip"]!);
        Assert.Equal(["single"], (List<object>)ev["tags"]!);
        Assert.Throws<InvalidFieldException>(() => ev.Add("related.ip", new[] { "192.0.2.1", "nope" }, overwrite: true));
    }

    [Fact]
    public void Links_are_typed()
    {
        var ev = new Event();
        var id = Guid.NewGuid().ToString();
        ev.Add("links", new JsonArray(new JsonObject { ["type"] = "parent", ["id"] = id }));
        var link = Assert.IsType<JsonObject>(Assert.Single((List<object>)ev["links"]!));
        Assert.Equal(id, (string)link["id"]!);
        Assert.Throws<InvalidFieldException>(() => ev.Add("links", new JsonObject { ["type"] = "cousin", ["id"] = id }, overwrite: true));
    }

    [Fact]
    public void Unknown_fields_are_refused_but_custom_fields_take_anything()
    {
        var ev = new Event();
        var error = Assert.Throws<InvalidFieldException>(() => ev.Add("source.ipaddress", "192.0.2.1"));
        Assert.Contains("custom.*", error.Message);
        ev.Add("custom.anything.nested", 3);
        ev.Add("custom.empty", "");
        Assert.Equal(3L, ev["custom.anything.nested"]);
        Assert.Equal("", ev["custom.empty"]);
    }

    [Fact]
    public void A_field_is_not_silently_overwritten()
    {
        var ev = new Event();
        ev.Add("source.port", 80);
        var error = Assert.Throws<InvalidFieldException>(() => ev.Add("source.port", 81));
        Assert.Contains("already set", error.Message);
        ev.Add("source.port", 81, overwrite: true);
        Assert.Equal(81L, ev["source.port"]);
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

public sealed class StableIdTests
{
    static Event Read(string json) => Assert.Single(EventJson.Read(Encoding.UTF8.GetBytes(json)));

    static string Dho(Event ev) => EventJsonTests.Write(w => EventJson.WriteDho(w, ev));

    static string Idf(Event ev) => EventJsonTests.Write(w => EventJson.WriteIdf(w, ev));

    // docs/idf.md, "Event identity", computed independently of the implementation.
    static string Uuid5(string name)
    {
        var hash = SHA1.HashData([.. Event.IdNamespace.ToByteArray(bigEndian: true), .. Encoding.UTF8.GetBytes(name)]);
        hash[6] = (byte)(0x50 | (hash[6] & 0x0F));
        hash[8] = (byte)(0x80 | (hash[8] & 0x3F));
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString("D");
    }

    static Event Parsed(string original)
    {
        var ev = new Event();
        ev.Add("feed.provider", "Shadowserver");
        ev.Add("feed.name", "Accessible-SMB");
        ev.Add("source.ip", "192.0.2.1");
        ev.Add("event.original", original);
        ev.AssignStableId();
        return ev;
    }

    [Fact]
    public void The_id_is_the_documented_uuid5_of_feed_original_and_identifying_fields()
    {
        var ev = Parsed("\"ip\"\n\"192.0.2.1\"");
        Assert.Equal(Uuid5("feed.provider=Shadowserver\0feed.name=Accessible-SMB\0event.original=\"ip\"\n\"192.0.2.1\"\0source.ip=192.0.2.1"), ev.Id);
        Assert.Equal('5', ev.Id![14]);
    }

    [Fact]
    public void Events_from_one_record_get_different_ids_that_survive_dho()
    {
        // Team Cymru's CAP program gives one event per port from one line: an output keying on the id must keep both.
        Event Port(int port)
        {
            var ev = new Event();
            ev.Add("feed.name", "CAP");
            ev.Add("event.original", "192.0.2.1|scanner|23,2323");
            ev.Add("source.ip", "192.0.2.1");
            ev.Add("destination.port", port);
            ev.AssignStableId();
            return ev;
        }
        var (telnet, other) = (Port(23), Port(2323));
        Assert.NotEqual(telnet.Id, other.Id);
        Assert.Equal(Uuid5("feed.name=CAP\0event.original=192.0.2.1|scanner|23,2323\0destination.port=23\0source.ip=192.0.2.1"), telnet.Id);
        Assert.Equal(telnet.Id, Read(Dho(telnet)).Id);
        Assert.Equal(other.Id, Read(Dho(other)).Id);
    }

    [Fact]
    public void An_original_in_two_parts_gives_the_id_of_the_joined_text()
    {
        var ev = new Event();
        ev.Add("feed.provider", "Shadowserver");
        ev.Add("feed.name", "Accessible-SMB");
        ev.Add("source.ip", "192.0.2.1");
        ev.AddOriginal("\"ip\"\n", "\"192.0.2.1\"");
        ev.AssignStableId();
        Assert.Equal(Parsed("\"ip\"\n\"192.0.2.1\"").Id, ev.Id);
        var other = ev.Clone();
        other.Remove("event.original");
        other.AddOriginal("\"ip\"\n", "\"192.0.2.2\"");
        other.AssignStableId();
        Assert.Equal(Parsed("\"ip\"\n\"192.0.2.2\"").Id, other.Id);
    }

    [Fact]
    public void Without_an_original_the_identifying_fields_make_the_id_and_enrichment_fields_do_not()
    {
        var a = Read("""{"@timestamp": "2024-05-01T10:00:00+00:00", "source": {"ip": "192.0.2.1", "port": 445}, "feed": {"name": "F"}}""");
        var b = Read("""{"source": {"port": 445, "ip": "192.0.2.1", "as": {"number": 64496}}, "classification": {"taxonomy": "vulnerable"}, "feed": {"name": "F"}, "@timestamp": "2024-05-01 10:00:00"}""");
        Assert.Equal(a.Id, b.Id);
        Assert.Equal(Uuid5("feed.name=F\0@timestamp=2024-05-01T10:00:00+00:00\0source.ip=192.0.2.1\0source.port=445"), a.Id);
        Assert.NotEqual(a.Id, Read("""{"source": {"ip": "192.0.2.2", "port": 445}, "feed": {"name": "F"}}""").Id);
    }

    [Fact]
    public void Idf_to_dho_to_idf_keeps_the_id()
    {
        var ev = Parsed("\"ip\"\n\"192.0.2.1\"");
        var dho = Dho(ev);
        Assert.DoesNotContain("event.id", dho);
        Assert.Equal(ev.Id, Read(dho).Id);
        var bare = Read("""{"source": {"ip": "192.0.2.9"}}""");
        Assert.Equal(bare.Id, Read(Dho(bare)).Id);
    }

    [Fact]
    public void Enrichment_keeps_the_id_in_the_idf_and_dho_stays_intelmqs_byte_for_byte()
    {
        var ev = Read("""{"source": {"ip": "192.0.2.1"}, "feed": {"name": "F"}}""");
        var id = ev.Id;
        ev.Add("source.as.number", 64496);
        ev.Add("source.domain", "host.example"); // an identifying field, filled later: the id stays what it was
        Assert.Equal(id, ev.Id);
        Assert.Equal(id, Read(Idf(ev)).Id);
        // IntelMQ has no id: a derived one is never written to DHO, so an expert's DHO output is IntelMQ's.
        Assert.DoesNotContain("event.id", Dho(ev));
        var given = Read("""{"event": {"id": "0190c2a4-7b7e-7cc3-8f00-1234567890ab"}, "source": {"ip": "192.0.2.1"}}""");
        Assert.Contains("\"extra.idf.event.id\":\"0190c2a4-7b7e-7cc3-8f00-1234567890ab\"", Dho(given));
    }

    [Fact]
    public void An_id_that_came_with_the_event_is_kept()
    {
        const string id = "0190c2a4-7b7e-7cc3-8f00-1234567890ab";
        var ev = Read("{\"event\": {\"id\": \"" + id + "\"}, \"source\": {\"ip\": \"192.0.2.1\"}}");
        Assert.Equal(id, ev.Id);
        Assert.Equal(id, Read(Dho(ev)).Id);
    }

    [Fact]
    public void Parent_links_are_left_out_of_dho_and_other_links_kept()
    {
        var ev = Parsed("x");
        ev.Add("links", new JsonArray(new JsonObject { ["type"] = "parent", ["id"] = "0190c2a4-7b7e-7cc3-8f00-1234567890ab" }));
        Assert.DoesNotContain("links", Dho(ev));
        ev.Add("links", new JsonArray(
            new JsonObject { ["type"] = "parent", ["id"] = "0190c2a4-7b7e-7cc3-8f00-1234567890ab" },
            new JsonObject { ["type"] = "duplicate-of", ["id"] = "0190c2a4-7b7e-7cc3-8f00-1234567890ac" }), overwrite: true);
        var links = JsonNode.Parse(Dho(ev))!["extra.idf.links"]!.AsArray();
        Assert.Equal("duplicate-of", (string)Assert.Single(links)!["type"]!);
    }

    [Theory]
    [InlineData("""{"meta": {"version": "2.0"}, "data": []}""", "IDF version 2.0")]
    [InlineData("""{"format": "idf", "version": 2, "payload": {}}""", "IDF version 2")]
    public void A_newer_major_version_is_refused(string message, string expected)
    {
        var error = Assert.Throws<JsonException>(() => EventJson.Read(Encoding.UTF8.GetBytes(message)));
        Assert.Contains(expected, error.Message);
        Assert.Contains("upgrade", error.Message);
    }

    [Fact]
    public void A_newer_minor_version_is_read()
    {
        var events = EventJson.Read("""{"meta": {"version": "1.7"}, "data": [{"source": {"ip": "192.0.2.1"}}]}"""u8);
        Assert.Equal("192.0.2.1", Assert.Single(events)["source.ip"]);
    }
}

using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

public sealed class EventJsonTests
{
    internal static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static List<Event> Read(string json, MessageFormat format = MessageFormat.Auto) => EventJson.Read(Encoding.UTF8.GetBytes(json), format);

    [Fact]
    public void Events_are_written_as_nested_ecs_objects()
    {
        var ev = new Event();
        ev.Add("source.ip", "192.0.2.1");
        ev.Add("source.as.number", 64496);
        ev.Add("source.as.organization.name", "Example");
        ev.Add("source.port", 445);
        ev.Add("@timestamp", "2024-05-01 12:00:00");
        ev.Add("custom.x", "y");
        var json = JsonNode.Parse(Write(w => EventJson.WriteIdf(w, ev)))!;
        Assert.Equal("192.0.2.1", (string)json["source"]!["ip"]!);
        Assert.Equal(64496, (long)json["source"]!["as"]!["number"]!);
        Assert.Equal("Example", (string)json["source"]!["as"]!["organization"]!["name"]!);
        Assert.Equal(445, (long)json["source"]!["port"]!);
        Assert.Equal("2024-05-01T12:00:00+00:00", (string)json["@timestamp"]!);
        Assert.Equal("y", (string)json["custom"]!["x"]!);
    }

    [Fact]
    public void A_packet_has_the_meta_header_and_round_trips()
    {
        var a = Event.Create();
        a.Add("source.ip", "192.0.2.1");
        var b = Event.Create();
        b.Add("destination.domain", "example.com");
        var line = Write(w => EventJson.WritePacket(w, new PacketMeta("cert.example", new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero)), [a, b]));
        var meta = JsonNode.Parse(line)!["meta"]!;
        Assert.Equal("IntelMQ-IDF", (string)meta["format-name"]!);
        Assert.Equal("1.0", (string)meta["version"]!);
        Assert.Equal("cert.example", (string)meta["producer"]!);
        Assert.Equal("2024-05-01T00:00:00+00:00", (string)meta["created-at"]!);
        Assert.Equal(FieldCatalogue.EcsVersion, (string)meta["ecs-version"]!);
        Assert.EndsWith("docs/idf.md", (string)meta["url"]!);
        var back = Read(line);
        Assert.Equal(2, back.Count);
        Assert.Equal(a.Id, back[0].Id);
        Assert.Equal("example.com", back[1]["destination.domain"]);
    }

    [Fact]
    public void Reading_detects_bare_events_dho_messages_and_iep04_envelopes()
    {
        var bare = Assert.Single(Read("""{"source": {"ip": "192.0.2.9", "geo": {"location": {"lat": 1.5, "lon": 2}}}}"""));
        Assert.Equal("192.0.2.9", bare["source.ip"]);
        Assert.Equal(1.5, bare["source.geo.location.lat"]);
        Assert.NotNull(bare.Id);

        var dho = Assert.Single(Read("""{"__type": "Report", "feed.name": "F", "raw": "YSxi", "extra.file_name": "x.csv", "source.asn": 64496}"""));
        Assert.Equal(MessageKind.Report, dho.Kind);
        Assert.Equal("a,b", dho["event.original"]);
        Assert.Equal("x.csv", dho["custom.file_name"]);
        Assert.Equal(64496L, dho["source.as.number"]);

        var parent = Guid.NewGuid().ToString();
        var current = Guid.NewGuid().ToString();
        var envelope = Assert.Single(Read($$$"""
            {"format": "intelmq", "version": 1, "type": "event",
             "meta": {"uuid": {"current": "cert-at:intelmq:{{{current}}}", "parent": "{{{parent}}}"}},
             "payload": {"source.ip": "127.0.0.1", "source.fqdn": "example.com"}}
            """));
        Assert.Equal(current, envelope.Id);
        Assert.Equal("example.com", envelope["source.domain"]);
        var link = (JsonObject)((List<object>)envelope["links"]!)[0];
        Assert.Equal("parent", (string)link["type"]!);
        Assert.Equal(parent, (string)link["id"]!);
    }

    [Fact]
    public void Json_numbers_keep_their_kind()
    {
        var ev = Assert.Single(Read("""{"custom": {"n": 5, "x": 1.5, "big": 4200000289}}"""));
        Assert.IsType<long>(ev["custom.n"]);
        Assert.IsType<double>(ev["custom.x"]);
        Assert.Equal(4200000289L, ev["custom.big"]);
    }

    [Theory]
    [InlineData("{\"source\": {\"ip\": ")]
    [InlineData("[1, 2]")]
    [InlineData("\"just a string\"")]
    public void Broken_json_is_a_clear_error(string json) => Assert.ThrowsAny<JsonException>(() => Read(json));

    [Fact]
    public void Invalid_values_and_unknown_fields_are_refused_on_the_way_in()
    {
        Assert.Contains("source.ip", Assert.Throws<InvalidFieldException>(() => Read("""{"source": {"ip": "999.1.1.1"}}""")).Message);
        Assert.Contains("no.such", Assert.Throws<InvalidFieldException>(() => Read("""{"__type": "Event", "no.such": 1}""")).Message);
        Assert.Contains("base64", Assert.Throws<InvalidFieldException>(() => Read("""{"__type": "Event", "raw": "%%%"}""")).Message);
    }

    [Fact]
    public void Dho_output_maps_fields_back_and_keeps_fields_intelmq_lacks_under_extra_idf()
    {
        var ev = Event.Create();
        ev.Add("source.as.number", 64496);
        ev.Add("event.original", "a,b");
        ev.Add("related.ip", new[] { "192.0.2.1" });
        var dho = JsonNode.Parse(Write(w => EventJson.WriteDho(w, ev)))!.AsObject();
        Assert.Equal("Event", (string)dho["__type"]!);
        Assert.Equal(64496, (long)dho["source.asn"]!);
        Assert.Equal("YSxi", (string)dho["raw"]!);
        Assert.Equal("192.0.2.1", (string)dho["extra.idf.related.ip"]![0]!);
        Assert.False(dho.ContainsKey("event.id"));
        var back = Assert.Single(Read(dho.ToJsonString()));
        Assert.Equal(["192.0.2.1"], (List<object>)back["related.ip"]!);
    }

    static string WriteRelaxed(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true }))
            write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Fact]
    public void Strings_are_escaped_as_the_relaxed_encoder_escapes_them_wherever_the_characters_fall()
    {
        // The runtime's writer escapes printable ASCII itself, eight characters at a time; the rest goes through Utf8JsonWriter.
        char[] alphabet = ['a', 'Z', '0', ' ', '~', '"', '\\', '\n', '\r', '\t', '\u0001', '\u001f', '\u007f', '\u0080', 'é', '€', '<', '&', '\''];
        var random = new Random(7);
        for (var n = 0; n < 3000; n++)
        {
            var text = new char[random.Next(0, 40)];
            var rare = random.Next(0, 4); // many strings with few or none of the characters to escape
            for (var i = 0; i < text.Length; i++) text[i] = random.Next(0, 10) < rare ? alphabet[random.Next(alphabet.Length)] : (char)random.Next('a', 'z' + 1);
            var value = new string(text);
            var ev = new Event();
            ev.Add("custom.v", value);
            var expected = "{\"custom\":{\"v\":" + WriteRelaxed(w => w.WriteStringValue(value)) + "}}";
            Assert.Equal(expected, WriteRelaxed(w => EventJson.WriteIdf(w, ev)));
        }
    }

    [Fact]
    public void Fields_are_written_in_ordinal_order_of_their_paths_however_many_there_are()
    {
        string[] known = ["source.ip", "source.port", "source.as.number", "source.geo.city_name", "destination.ip", "destination.domain",
            "@timestamp", "event.original", "feed.name", "classification.type", "network.transport", "url.full", "source.geo.location.lat"];
        var random = new Random(11);
        foreach (var customs in new[] { 0, 3, 12, 70, 150 })
        {
            var paths = known.Concat(Enumerable.Range(0, customs).Select(i => $"custom.{(char)random.Next('a', 'e')}{random.Next(1000):D3}.x{i}")).ToList();
            var ev = new Event();
            foreach (var path in paths.OrderBy(_ => random.Next()))
                ev.Add(path, path switch
                {
                    "source.ip" or "destination.ip" => "192.0.2.1",
                    "source.port" or "source.as.number" => 1,
                    "@timestamp" => "2024-05-01 12:00:00",
                    "url.full" => "http://example.com/",
                    "classification.type" => "infected-system",
                    "destination.domain" => "example.com",
                    "source.geo.location.lat" => 1.5,
                    _ => "x",
                });
            var written = new List<string>();
            Flatten(JsonNode.Parse(WriteRelaxed(w => EventJson.WriteIdf(w, ev)))!.AsObject(), null, written);
            Assert.Equal(paths.Order(StringComparer.Ordinal), written);
        }
    }

    static void Flatten(JsonObject obj, string? prefix, List<string> paths)
    {
        foreach (var (name, value) in obj)
        {
            var path = prefix is null ? name : prefix + "." + name;
            if (value is JsonObject inner && prefix != "custom") Flatten(inner, path, paths); // below custom every property is one field
            else paths.Add(path);
        }
    }
}

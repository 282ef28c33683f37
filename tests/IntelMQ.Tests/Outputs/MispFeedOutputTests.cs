using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Misp;

namespace IntelMQ.Tests.Outputs;

public sealed class MispFeedOutputTests : IDisposable
{
    const string OrgUuid = "5e2a1c1d-0a4c-4f5e-9b1a-2c3d4e5f6a7b";

    readonly string _root = Directory.CreateTempSubdirectory("misp-feed-").FullName;
    readonly MovableClock _clock = new() { Now = new DateTimeOffset(2026, 5, 1, 12, 30, 0, TimeSpan.Zero) };

    public void Dispose() => Directory.Delete(_root, recursive: true);

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    MispFeedOutput Output(MispFeedOutputOptions? options = null) =>
        new((options ?? new()) with { OutputDir = _root, MispOrgName = "CERT.example", MispOrgUuid = OrgUuid }, new ProgramContext { Clock = _clock });

    static async Task<WriteResult[]> Write(MispFeedOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i, string malware = "njrat")
    {
        var ev = Event.Create();
        ev.Add("feed.name", "Test Feed");
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(DhoMapping.ToIdf("source.fqdn")!, $"c2-{i}.example.com");
        ev.Add(DhoMapping.ToIdf("malware.name")!, malware);
        ev.Add(Event.OriginalField, "raw line");
        ev.AssignStableId();
        return ev;
    }

    JsonObject Manifest() => JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "manifest.json")))!.AsObject();

    JsonObject MispEvent(string uuid) => JsonNode.Parse(File.ReadAllText(Path.Combine(_root, uuid + ".json")))!["Event"]!.AsObject();

    static string Md5(string value) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(value)));

    [Fact]
    public async Task A_batch_becomes_a_misp_event_of_intelmq_event_objects_listed_in_the_manifest_and_hashes()
    {
        await Write(Output(), [NewEvent(0), NewEvent(1)]);

        var (uuid, entry) = Assert.Single(Manifest());
        Assert.Equal("CERT.example", (string?)entry!["Orgc"]!["name"]);
        Assert.Equal(OrgUuid, (string?)entry["Orgc"]!["uuid"]);
        Assert.Equal("IntelMQ event 2026-05-01T12:00:00 - 2026-05-01T13:00:00", (string?)entry["info"]);
        Assert.Equal("2026-05-01", (string?)entry["date"]);
        Assert.Equal(_clock.Now.ToUnixTimeSeconds().ToString(), (string?)entry["timestamp"]);
        var misp = MispEvent(uuid);
        Assert.Equal(uuid, (string?)misp["uuid"]);
        var objects = misp["Object"]!.AsArray();
        Assert.Equal(2, objects.Count);
        Assert.All(objects, o => Assert.Equal("intelmq_event", (string?)o!["name"]));
        var attributes = objects[0]!["Attribute"]!.AsArray().ToDictionary(a => (string)a!["object_relation"]!, a => a!.AsObject());
        Assert.Equal("192.0.2.1", (string?)attributes["source.ip"]["value"]);
        Assert.Equal("ip-src", (string?)attributes["source.ip"]["type"]);
        Assert.Equal("Network activity", (string?)attributes["source.ip"]["category"]);
        Assert.Equal("domain", (string?)attributes["source.fqdn"]["type"]);
        Assert.Equal("text", (string?)attributes["feed.name"]["type"]);
        Assert.False(attributes.ContainsKey("raw"));
        var hashes = File.ReadAllLines(Path.Combine(_root, "hashes.csv"));
        Assert.Contains($"{Md5("192.0.2.1")},{uuid}", hashes);
        Assert.Contains($"{Md5("c2-1.example.com")},{uuid}", hashes);
        Assert.Equal(objects.Sum(o => o!["Attribute"]!.AsArray().Count), hashes.Length);
        Assert.Equal(new[] { "hashes.csv", "manifest.json", uuid + ".json" }.Order(StringComparer.Ordinal), Directory.GetFiles(_root).Select(Path.GetFileName).Where(n => n![0] != '.').Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Later_batches_and_a_restarted_output_add_to_the_intervals_event_and_the_next_interval_starts_a_new_one()
    {
        await Write(Output(), [NewEvent(0)]);
        _clock.Now += TimeSpan.FromMinutes(20);
        await Write(Output(), [NewEvent(1)]);
        Assert.Equal(2, MispEvent(Assert.Single(Manifest()).Key)["Object"]!.AsArray().Count);

        _clock.Now += TimeSpan.FromHours(1);
        await Write(Output(), [NewEvent(2)]);

        Assert.Equal(2, Manifest().Count);
        Assert.Contains(Manifest(), e => ((string)e.Value!["info"]!).StartsWith("IntelMQ event 2026-05-01T13:00:00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_batch_written_again_after_a_failure_adds_no_second_object()
    {
        var events = new[] { NewEvent(0), NewEvent(1) };
        await Write(Output(), events);

        await Write(Output(), events);

        var uuid = Assert.Single(Manifest()).Key;
        Assert.Equal(2, MispEvent(uuid)["Object"]!.AsArray().Count);
        Assert.Equal(2 * MispEvent(uuid)["Object"]![0]!["Attribute"]!.AsArray().Count, File.ReadAllLines(Path.Combine(_root, "hashes.csv")).Length);
    }

    [Fact]
    public async Task Grouping_key_additional_info_tagging_and_a_flat_attribute_mapping_shape_the_events_as_intelmqs_example()
    {
        var output = Output(new()
        {
            GroupingKey = "malware.name", AdditionalInfo = "C2 Servers for {key}.", FlatEvents = true,
            AttributeMapping = """{"source.fqdn": {"comment": "malware.name", "type": "domain", "category": "Network activity", "to_ids": true}}""",
            Tagging = """{"__all__": [{"name": "tlp:amber"}], "njrat": [{"name": "njrat"}]}""",
        });
        var noDomain = Event.Create();
        noDomain.Add(DhoMapping.ToIdf("source.ip")!, "192.0.2.99");

        var results = await Write(output, [NewEvent(0), NewEvent(1, "emotet"), NewEvent(2), noDomain]);

        Assert.Equal(WriteStatus.Refused, results[3].Status);
        Assert.Contains("source.fqdn", results[3].Reason);
        var manifest = Manifest();
        Assert.Equal(2, manifest.Count);
        var njrat = manifest.Single(e => ((string)e.Value!["info"]!).StartsWith("C2 Servers for njrat. IntelMQ event ", StringComparison.Ordinal));
        Assert.Equal(["tlp:amber", "njrat"], njrat.Value!["Tag"]!.AsArray().Select(t => (string)t!["name"]!));
        var misp = MispEvent(njrat.Key);
        Assert.Empty(misp["Object"]!.AsArray());
        var attributes = misp["Attribute"]!.AsArray();
        Assert.Equal(["c2-0.example.com", "c2-2.example.com"], attributes.Select(a => (string)a!["value"]!).Order());
        Assert.All(attributes, a =>
        {
            Assert.Equal("njrat", (string?)a!["comment"]);
            Assert.True((bool)a["to_ids"]!);
            Assert.False(a.AsObject().ContainsKey("object_relation"));
        });
        var emotet = manifest.Single(e => ((string)e.Value!["info"]!).Contains("emotet", StringComparison.Ordinal));
        Assert.Equal(["tlp:amber"], emotet.Value!["Tag"]!.AsArray().Select(t => (string)t!["name"]!));
    }

    [Fact]
    public async Task Several_writers_at_once_lose_no_object()
    {
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var output = Output();
            for (var batch = 0; batch < 5; batch++) await Write(output, [NewEvent(w * 10 + batch)]);
        }, Cancel));

        await Task.WhenAll(writers);

        var uuid = Assert.Single(Manifest()).Key;
        Assert.Equal(20, MispEvent(uuid)["Object"]!.AsArray().Count);
        Assert.Equal(20 * MispEvent(uuid)["Object"]![0]!["Attribute"]!.AsArray().Count, File.ReadAllLines(Path.Combine(_root, "hashes.csv")).Length);
    }

    [Theory]
    [InlineData("misp_org_uuid", "not-a-uuid", "1 hour", "")]
    [InlineData("interval_event", OrgUuid, "hourly", "")]
    [InlineData("attribute_mapping", OrgUuid, "1 hour", """{"source.nonsense": {}}""")]
    public void A_configuration_misp_cannot_use_is_refused_at_start(string option, string orgUuid, string interval, string mapping)
    {
        var error = Assert.Throws<ConfigurationException>(() => new MispFeedOutput(
            new() { OutputDir = _root, MispOrgName = "CERT", MispOrgUuid = orgUuid, IntervalEvent = interval, AttributeMapping = mapping }, ProgramContext.Default));

        Assert.Contains($"'{option}'", error.Message);
    }

    sealed class MovableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; }

        public override DateTimeOffset GetUtcNow() => Now;
    }
}

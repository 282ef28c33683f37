using IntelMQ.Core;
using IntelMQ.Outputs.Stix;
using IntelMQ.Parsers.Stix;
using IntelMQ.Tests.Parsers;

namespace IntelMQ.Tests.Outputs;

/// <summary>stix-output writes one bundle per batch that stix-parser reads back.</summary>
public sealed class StixOutputTests
{
    static Event NewEvent(params (string Field, object Value)[] fields)
    {
        var ev = Event.Create();
        foreach (var (field, value) in fields) ev.Add(field, value);
        ev.AssignStableId();
        return ev;
    }

    [Fact]
    public async Task A_batch_becomes_one_bundle_of_indicators_and_sightings_that_the_parser_reads_back()
    {
        var directory = Directory.CreateTempSubdirectory("stix-output-").FullName;
        var output = new StixOutput(new StixOutputOptions { Directory = directory }, ProgramContext.Default);
        var events = new[]
        {
            NewEvent(("@timestamp", "2024-03-01T10:00:00+00:00"), ("source.ip", "192.0.2.1"), ("source.domain", "bad.example.com"),
                ("threat.indicator.marking.tlp", "AMBER"), ("message", "C2 server"), ("tags", new[] { "c2" })),
            NewEvent(("@timestamp", "2024-03-01T11:00:00+00:00"), ("destination.ip", "198.51.100.7"), ("destination.port", 443),
                ("file.hash.sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")),
            NewEvent(("@timestamp", "2024-03-01T12:00:00+00:00"), ("message", "nothing to match")),
        };
        var results = new WriteResult[events.Length];
        await output.WriteAsync(events, results, TestContext.Current.CancellationToken);

        Assert.Equal([WriteStatus.Written, WriteStatus.Written, WriteStatus.Refused], results.Select(r => r.Status));
        var file = Assert.Single(Directory.GetFiles(directory));
        Assert.Matches(@"bundle--[0-9a-f-]{36}\.json$", file);

        var parsed = CollectingEmitter.Run(new StixParser(), File.ReadAllText(file));
        Assert.Empty(parsed.Rejected);
        var indicators = parsed.Events.Where(e => e["threat.indicator.sightings"] is null).ToList();
        Assert.Equal(["192.0.2.1", null, null, null], indicators.Select(e => e["source.ip"]));
        Assert.Equal("bad.example.com", indicators[1]["source.domain"]);
        Assert.All(indicators.Take(2), e => Assert.Equal("AMBER", e["threat.indicator.marking.tlp"]));
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", indicators[2]["file.hash.sha256"]);
        Assert.Equal("198.51.100.7", indicators[3]["destination.ip"]);
        Assert.Equal(443L, indicators[3]["destination.port"]);
        Assert.Contains(parsed.Events, e => e["threat.indicator.sightings"] is 1L && (string?)e["file.hash.sha256"] is not null);
        Assert.Equal($"indicator--{events[0].Id}", ((IEnumerable<object>)indicators[0]["threat.indicator.id"]!).First());
    }
}

using System.Text.Json.Nodes;
using NJsonSchema;

namespace IntelMQ.Tests.Core;

/// <summary>What our programs write validates against schema/idf.schema.json.</summary>
public sealed class SchemaValidationTests : IDisposable
{
    readonly IntelMQCommand _intelmq = new();

    public void Dispose() => _intelmq.Dispose();

    [Fact]
    public async Task Parser_output_packets_validate_against_the_schema()
    {
        var schema = await JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(Path.Combine(Paths.Repo, "schema", "idf.schema.json"), TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);
        var csv = await File.ReadAllTextAsync(Path.Combine(Paths.Repo, "examples", "shadowserver", "2024-05-01-event4_sinkhole_http-geo.csv"), TestContext.Current.CancellationToken);
        var result = _intelmq.Run(csv, "run", "shadowserver-parser", "--raw", "--set", "file_name=2024-05-01-event4_sinkhole_http-geo.csv", "--dump", _intelmq.PathOf("d.jsonl"));
        var packets = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(packets);
        foreach (var packet in packets)
            Assert.Empty(schema.Validate(packet));

        var broken = JsonNode.Parse(packets[0])!;
        broken["data"]![0]!["source"]!["port"] = "not a port";
        Assert.NotEmpty(schema.Validate(broken.ToJsonString()));
    }
}

using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Tests.Core;

/// <summary>A DHO message that starts with "__type" is read as it is tokenised; it must give what the document reader gives.</summary>
public sealed class DhoReaderTests
{
    static string Outcome(string json)
    {
        try
        {
            var ev = Assert.Single(EventJson.Read(Encoding.UTF8.GetBytes(json)));
            return ev.Kind + " " + EventJsonTests.Write(w => EventJson.WriteIdf(w, ev));
        }
        catch (InvalidFieldException ex) { return "invalid: " + ex.Message; }
    }

    // The same message with "__type" last goes through the document reader.
    static string TypeLast(JsonObject message)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in message)
            if (key != "__type") copy[key] = value?.DeepClone();
        if (message["__type"] is { } type) copy["__type"] = type.DeepClone();
        return copy.ToJsonString();
    }

    [Theory]
    [MemberData(nameof(DhoRoundTripTests.Fixtures), MemberType = typeof(DhoRoundTripTests))]
    public void Every_corpus_message_reads_the_same_as_through_a_document(string fixture)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(Paths.Corpus, fixture)))!;
        foreach (var message in DhoRoundTripTests.Messages(root))
        {
            message.Remove("raw_text");
            if (!message.ContainsKey("__type")) continue;
            var typeFirst = new JsonObject { ["__type"] = message["__type"]!.DeepClone() };
            foreach (var (key, value) in message)
                if (key != "__type") typeFirst[key] = value?.DeepClone();
            Assert.Equal(Outcome(TypeLast(message)), Outcome(typeFirst.ToJsonString()));
        }
    }

    [Theory]
    [InlineData("""{"__type": "Report", "raw": "aGVsbG8=", "feed.name": "F"}""")]
    [InlineData("""{"__type": "Event", "raw": "aGVs\nbG8=", "extra": {"a": 1, "b": [1, {"c": null}]}, "extra.d": 1.50}""")]
    [InlineData("""{"__type": "Event", "raw": 5}""")]
    [InlineData("""{"__type": "Event", "nonsense": 1}""")]
    [InlineData("""{"__type": "Event", "extra": 1}""")]
    [InlineData("""{"__type": {"x": 1}, "source.port": "80"}""")]
    [InlineData("""{"__type": "Event", "extra.idf.links": [{"type": "child", "id": "x"}], "extra.idf.nonsense": 1}""")]
    [InlineData("""{"__type": "Event", "sourc\u0065.ip": "192.0.2.1", "raw": "aGVsbG8\u003d", "time.source": "2024-05-01 10:00:00"}""")]
    public void Edge_cases_read_the_same_as_through_a_document(string json) =>
        Assert.Equal(Outcome(TypeLast(JsonNode.Parse(json)!.AsObject())), Outcome(json));

    [Fact]
    public void A_repeated_key_is_refused_as_by_the_document_reader() =>
        Assert.Equal(Outcome("""{"source.ip": "192.0.2.1", "source.ip": "192.0.2.2", "__type": "Event"}"""),
            Outcome("""{"__type": "Event", "source.ip": "192.0.2.1", "source.ip": "192.0.2.2"}"""));
}

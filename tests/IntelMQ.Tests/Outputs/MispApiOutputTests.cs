using System.Net;
using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Misp;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Outputs;

public sealed class MispApiOutputTests
{
    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>
    /// Answers as MISP's documented REST API does: the key in Authorization (403 "Authentication failed" otherwise),
    /// /attributes/restSearch with {"response": {"Attribute": [...]}} of the stored events carrying one of the tags,
    /// /events/add with the saved event (or, for an attribute value 192.0.2.66, the 403 saveFailResponse with its
    /// errors), /sightings/add/{id}, /servers/getVersion.
    /// </summary>
    sealed class MispServer
    {
        public readonly List<JsonObject> Events = [];
        public readonly List<(string Attribute, JsonObject Body)> Sightings = [];
        public int Unavailable;
        int _attributeId = 1000;

        public async Task Answer(LocalHttpServer.Received request, HttpResponse response)
        {
            response.ContentType = "application/json";
            if (request.Headers.GetValueOrDefault("Authorization") != "the-key")
            {
                response.StatusCode = 403;
                await response.WriteAsync("""{"name":"Authentication failed. Please make sure you pass the API key of an API enabled user along in the Authorization header.","message":"Authentication failed.","url":"/events/add"}""");
                return;
            }
            if (Unavailable-- > 0)
            {
                response.StatusCode = 503;
                await response.WriteAsync("""{"message":"Service Unavailable"}""");
                return;
            }
            var path = request.PathAndQuery;
            var body = request.Body.Length > 0 ? JsonNode.Parse(request.Body)!.AsObject() : new JsonObject();
            if (path == "/servers/getVersion")
            {
                await response.WriteAsync("""{"version":"2.5.2","pymisp_recommended_version":"2.5.2"}""");
                return;
            }
            if (path == "/attributes/restSearch")
            {
                var values = body["value"]!.AsArray().Select(v => (string)v!).ToHashSet();
                var tags = body["tags"]!.AsArray().Select(t => (string)t!).ToHashSet();
                var found = new JsonArray();
                foreach (var misp in Events.Where(e => e["Tag"]!.AsArray().Any(t => tags.Contains((string)t!["name"]!))))
                    foreach (var attribute in misp["Object"]!.AsArray().SelectMany(o => o!["Attribute"]!.AsArray()))
                        if (values.Contains((string)attribute!["value"]!))
                            found.Add(new JsonObject { ["id"] = (string?)attribute["id"], ["event_id"] = (string?)misp["id"], ["value"] = (string?)attribute["value"], ["type"] = (string?)attribute["type"] });
                await response.WriteAsync(new JsonObject { ["response"] = new JsonObject { ["Attribute"] = found } }.ToJsonString());
                return;
            }
            if (path == "/events/add")
            {
                var misp = body["Event"]!.AsObject();
                if (misp["Object"]!.AsArray().SelectMany(o => o!["Attribute"]!.AsArray()).Any(a => (string?)a!["value"] == "192.0.2.66"))
                {
                    response.StatusCode = 403;
                    await response.WriteAsync("""{"saved":false,"name":"Could not add Event","message":"Could not add Event","url":"\/events\/add","errors":{"Attribute":{"value":["IP address has an invalid format."]}}}""");
                    return;
                }
                misp["id"] = (Events.Count + 1).ToString();
                foreach (var attribute in misp["Object"]!.AsArray().SelectMany(o => o!["Attribute"]!.AsArray())) attribute!["id"] = (++_attributeId).ToString();
                Events.Add(misp);
                await response.WriteAsync(new JsonObject { ["Event"] = misp.DeepClone() }.ToJsonString());
                return;
            }
            if (path.StartsWith("/sightings/add/", StringComparison.Ordinal))
            {
                Sightings.Add((path["/sightings/add/".Length..], body));
                await response.WriteAsync("""{"Sighting":{"id":"1","type":"0"}}""");
                return;
            }
            response.StatusCode = 404;
            await response.WriteAsync("""{"name":"Not Found","message":"Not Found","url":"/"}""");
        }
    }

    static MispApiOutput Output(Uri address, string key = "the-key") => new(new()
    {
        MispUrl = address.ToString(), MispKey = new(key), MispTagForBot = "intelmq", SignificantFields = ["source.ip", "malware.name"],
        MispToIdsFields = ["source.ip"], MispAdditionalTags = ["tlp:amber"], HttpTimeoutSec = 10,
    });

    static async Task<WriteResult[]> Write(MispApiOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(string ip, string malware = "njrat")
    {
        var ev = Event.Create();
        ev.Add("feed.name", "C2 Feed");
        ev.Add("feed.provider", "Example Provider");
        ev.Add(DhoMapping.ToIdf("time.source")!, "2026-05-01T10:00:00+00:00");
        ev.Add(DhoMapping.ToIdf("source.ip")!, ip);
        ev.Add(DhoMapping.ToIdf("malware.name")!, malware);
        ev.Add(Event.OriginalField, "raw");
        ev.AssignStableId();
        return ev;
    }

    [Fact]
    public async Task A_new_event_becomes_a_tagged_misp_event_holding_an_intelmq_event_object()
    {
        var misp = new MispServer();
        await using var server = await LocalHttpServer.StartAsync(misp.Answer);
        using var output = Output(server.Address);

        var results = await Write(output, [NewEvent("192.0.2.1")]);

        Assert.Equal(WriteResult.Written, results[0]);
        var created = Assert.Single(misp.Events);
        Assert.Equal(["intelmq", "Example Provider", "C2 Feed", "tlp:amber"], created["Tag"]!.AsArray().Select(t => (string)t!["name"]!));
        Assert.Equal("C2 Feed from Example Provider via IntelMQ", (string?)created["info"]);
        Assert.False((bool)created["published"]!);
        var attributes = created["Object"]![0]!["Attribute"]!.AsArray().ToDictionary(a => (string)a!["object_relation"]!, a => a!);
        Assert.Equal("ip-src", (string?)attributes["source.ip"]["type"]);
        Assert.True((bool)attributes["source.ip"]["to_ids"]!);
        Assert.False((bool)attributes["malware.name"]["to_ids"]!);
        Assert.False((bool)attributes["malware.name"]["disable_correlation"]!);
        Assert.True((bool)attributes["feed.name"]["disable_correlation"]!);
        Assert.False(attributes.ContainsKey("raw"));
    }

    [Fact]
    public async Task An_event_whose_significant_values_a_tagged_misp_event_holds_becomes_sightings_not_a_second_event()
    {
        var misp = new MispServer();
        await using var server = await LocalHttpServer.StartAsync(misp.Answer);
        using var output = Output(server.Address);

        var results = await Write(output, [NewEvent("192.0.2.1"), NewEvent("192.0.2.1"), NewEvent("192.0.2.1", "emotet")]);

        Assert.All(results, r => Assert.Equal(WriteResult.Written, r));
        Assert.Equal(2, misp.Events.Count);
        Assert.Equal(2, misp.Sightings.Count);
        Assert.All(misp.Sightings, s => Assert.Equal("C2 Feed", (string?)s.Body["source"]));
        Assert.Equal(DateTimeOffset.Parse("2026-05-01T10:00:00+00:00").ToUnixTimeSeconds(), (long)misp.Sightings[0].Body["timestamp"]!);
    }

    [Fact]
    public async Task An_event_misp_refuses_goes_to_the_dump_with_misps_errors_and_the_others_are_added()
    {
        var misp = new MispServer();
        await using var server = await LocalHttpServer.StartAsync(misp.Answer);
        using var output = Output(server.Address);
        var noMalware = Event.Create();
        noMalware.Add(DhoMapping.ToIdf("source.ip")!, "192.0.2.9");

        var results = await Write(output, [NewEvent("192.0.2.1"), NewEvent("192.0.2.66"), noMalware, NewEvent("192.0.2.3")]);

        Assert.Equal(WriteResult.Written, results[0]);
        Assert.Equal(WriteStatus.Refused, results[1].Status);
        Assert.Contains("IP address has an invalid format.", results[1].Reason);
        Assert.Equal(WriteStatus.Refused, results[2].Status);
        Assert.Contains("no significant field malware.name", results[2].Reason);
        Assert.Equal(WriteResult.Written, results[3]);
        Assert.Equal(2, misp.Events.Count);
    }

    [Fact]
    public async Task A_refused_key_or_an_unavailable_misp_retries_and_never_dumps()
    {
        var misp = new MispServer();
        await using var server = await LocalHttpServer.StartAsync(misp.Answer);
        using var wrongKey = Output(server.Address, key: "wrong");

        var error = await Assert.ThrowsAsync<TransientException>(() => Write(wrongKey, [NewEvent("192.0.2.1")]));
        Assert.Contains("Authentication failed", error.Message);

        using var output = Output(server.Address);
        misp.Unavailable = 1;
        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent("192.0.2.1")]));
        var results = await Write(output, [NewEvent("192.0.2.1")]);
        Assert.Equal(WriteResult.Written, results[0]);
        Assert.Single(misp.Events);
    }

    [Fact]
    public async Task The_health_check_asks_misps_version_with_the_key()
    {
        var misp = new MispServer();
        await using var server = await LocalHttpServer.StartAsync(misp.Answer);

        using var output = Output(server.Address);
        await output.CheckAsync(Cancel);
        using var wrong = Output(server.Address, key: "wrong");
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await wrong.CheckAsync(Cancel));
    }
}

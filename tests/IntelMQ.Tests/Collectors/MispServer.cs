using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace IntelMQ.Tests.Collectors;

/// <summary>
/// The part of MISP's REST API the collector uses, answering as MISP documents it: events/restSearch by tag
/// ({"response": [{"Event": ...}]}), tags/attachTagToObject and tags/removeTagFromObject by event uuid. It wants the
/// key in Authorization and JSON in Accept.
/// </summary>
public sealed class MispServer
{
    public const string Key = "misp-test-key";

    readonly ConcurrentDictionary<string, JsonObject> _events = new();

    /// <summary>Called before a search is answered.</summary>
    public Action? Searching { get; set; }

    /// <summary>Tags MISP refuses to attach (as it does a tag that does not exist).</summary>
    public HashSet<string> UnknownTags { get; } = [];

    public void AddEvent(string id, string uuid, params string[] tags) => _events[uuid] = new JsonObject
    {
        ["id"] = id, ["uuid"] = uuid, ["info"] = $"event {id}",
        ["Attribute"] = new JsonArray(new JsonObject { ["type"] = "ip-dst", ["category"] = "Network activity", ["value"] = $"192.0.2.{id}" }),
        ["Tag"] = new JsonArray([.. tags.Select(t => (JsonNode)new JsonObject { ["name"] = t, ["exportable"] = true })]),
    };

    public IReadOnlyList<string> TagsOf(string uuid)
    {
        lock (_events) return [.. _events[uuid]["Tag"]!.AsArray().Select(t => (string)t!["name"]!)];
    }

    public async Task AnswerAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization != Key || !context.Request.Headers.Accept.ToString().Contains("application/json"))
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync("{\"name\": \"Authentication failed.\", \"message\": \"Authentication failed.\"}");
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        var request = JsonNode.Parse(body.ToArray())!.AsObject();
        if (context.Request.Path == "/events/restSearch") Searching?.Invoke();
        JsonNode answer;
        lock (_events)
        {
            answer = context.Request.Path.Value switch
            {
                "/events/restSearch" => Search(request["tags"]!.AsArray().Select(t => (string)t!).ToList()),
                "/tags/attachTagToObject" => Attach((string)request["uuid"]!, (string)request["tag"]!),
                "/tags/removeTagFromObject" => Remove((string)request["uuid"]!, (string)request["tag"]!),
                _ => new JsonObject { ["name"] = "Not found", ["errors"] = "Not found" },
            };
        }
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.ToJsonString());
    }

    JsonObject Search(List<string> tags) => new()
    {
        ["response"] = new JsonArray([.. _events.Values.OrderBy(e => int.Parse((string)e["id"]!))
            .Where(e => e["Tag"]!.AsArray().Any(t => tags.Contains((string)t!["name"]!)))
            .Select(e => (JsonNode)new JsonObject { ["Event"] = e.DeepClone() })]),
    };

    JsonObject Attach(string uuid, string tag)
    {
        if (UnknownTags.Contains(tag) || !_events.TryGetValue(uuid, out var e))
            return new JsonObject { ["saved"] = false, ["name"] = "Failed", ["errors"] = $"Invalid Tag {tag}." };
        if (!TagsOf(uuid).Contains(tag)) e["Tag"]!.AsArray().Add(new JsonObject { ["name"] = tag, ["exportable"] = true });
        return new JsonObject { ["saved"] = true, ["success"] = "Tag(s) attached.", ["check_publish"] = true };
    }

    JsonObject Remove(string uuid, string tag)
    {
        var tags = _events[uuid]["Tag"]!.AsArray();
        if (tags.FirstOrDefault(t => (string)t!["name"]! == tag) is not { } found) return new JsonObject { ["saved"] = false, ["errors"] = "Invalid Tag." };
        tags.Remove(found);
        return new JsonObject { ["saved"] = true, ["success"] = "Tag removed." };
    }
}

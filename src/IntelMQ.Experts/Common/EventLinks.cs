using System.Text.Json.Nodes;
using IntelMQ.Core;

namespace IntelMQ.Experts.Common;

/// <summary>Adds typed links (docs/idf.md, "Links") to an event, keeping the ones it has.</summary>
static class EventLinks
{
    /// <summary>Adds the link <c>{type, id}</c> unless the event has it already (writers should not repeat one).</summary>
    public static void Add(Event ev, string type, string id)
    {
        var links = new JsonArray();
        if (ev[Event.LinksField] is IEnumerable<object> existing)
            foreach (var link in existing)
            {
                if (link is JsonObject o && (string?)o["type"] == type && (string?)o["id"] == id) return;
                links.Add(((JsonNode)link).DeepClone());
            }
        links.Add(new JsonObject { ["type"] = type, ["id"] = id });
        ev.Add(Event.LinksField, links, overwrite: true);
    }
}

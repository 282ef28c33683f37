using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Core.Interop;

/// <summary>
/// Conversion between IDF events and CESNET's IDEA (Intrusion Detection Extensible Alert, format IDEA0, the format of the
/// Warden exchange): <see cref="FromEvent"/> as IntelMQ's IDEA expert lays it out, <see cref="ToEvent"/> the inverse, so
/// that what one writes the other reads back.
/// </summary>
public static class IdeaFormat
{
    static readonly string[] Transports = ["tcp", "udp", "icmp", "sctp", "ipv6-icmp"];

    static readonly List<(string Type, string[] Categories)> Categories = LoadCategories();

    static List<(string, string[])> LoadCategories()
    {
        using var stream = EmbeddedData.Open("idea-categories.json");
        using var document = JsonDocument.Parse(stream);
        var rows = new List<(string, string[])>();
        foreach (var row in document.RootElement.EnumerateObject())
            if (!row.Name.StartsWith('_')) rows.Add((row.Name, row.Value.EnumerateArray().Select(c => c.GetString()!).ToArray()));
        return rows;
    }

    /// <summary>The IDEA message of an event. Its ID is the event's id, so converting an event twice gives the same message.</summary>
    /// <param name="testMode">Adds the category Test, which marks a message as not meant for action (for setting up a new producer).</param>
    public static JsonObject FromEvent(Event ev, bool testMode = false)
    {
        var idea = new JsonObject { ["Format"] = "IDEA0", ["ID"] = ev.Id ?? Guid.NewGuid().ToString() };
        Put(idea, "DetectTime", ev["event.created"] ?? ev["@timestamp"]);
        Put(idea, "EventTime", ev["@timestamp"]);
        Put(idea, "CeaseTime", ev["event.end"]);
        var categories = ev["custom.idea_category"] is JsonArray given ? given.Select(c => c!.GetValue<string>()).ToList()
            : [.. Categories.FirstOrDefault(r => r.Type == ev["classification.type"] as string).Categories ?? ["Other"]];
        if (testMode && !categories.Contains("Test")) categories.Add("Test");
        idea["Category"] = new JsonArray(categories.Select(c => (JsonNode?)c).ToArray());
        if (ev["feed.accuracy"] is double accuracy) idea["Confidence"] = accuracy / 100;
        var name = ev["feed.name"] as string;
        var text = ev["message"] as string;
        Put(idea, "Description", name is not null && text is not null ? $"{name}: {text}" : text ?? name);
        Put(idea, "Note", ev["comment"]);
        var refs = new JsonArray();
        if (ev["event.reference"] is string reference) refs.Add(reference);
        if (ev["misp.event_uuid"] is string mispEvent) refs.Add($"misp_event:{mispEvent}");
        if (ev["misp.attribute_uuid"] is string mispAttribute) refs.Add($"misp_attr:{mispAttribute}");
        if (refs.Count > 0) idea["Ref"] = refs;
        var protocols = new JsonArray();
        if (ev["network.transport"] is string transport) protocols.Add(transport);
        if (ev["network.protocol"] is string protocol) protocols.Add(protocol);
        if (Side(ev, "source", protocols) is { } source) idea["Source"] = new JsonArray(source);
        if (Side(ev, "destination", protocols) is { } target) idea["Target"] = new JsonArray(target);
        if (ev[Event.OriginalField]?.ToString() is { } original)
        {
            var attachment = new JsonObject { ["Content"] = original, ["Type"] = new JsonArray("OrigData") };
            if (ev["feed.url"] is string feedUrl) attachment["Ref"] = new JsonArray(feedUrl);
            idea["Attach"] = new JsonArray(attachment);
        }
        return idea;
    }

    static JsonObject? Side(Event ev, string side, JsonArray protocols)
    {
        var node = new JsonObject();
        if (ev[$"{side}.ip"] is string ip) node[IsV6(ip) ? "IP6" : "IP4"] = new JsonArray(ip);
        PutList(node, "Hostname", ev[$"{side}.domain"]);
        PutList(node, "PTR", ev[$"{side}.reverse_dns"]);
        PutList(node, "Port", ev[$"{side}.port"]);
        PutList(node, "URL", ev[$"{side}.url.full"]);
        PutList(node, "ASN", ev[$"{side}.as.number"]);
        if (ev[$"{side}.user.name"] is string user && user.Contains('@')) node["Email"] = new JsonArray(user);
        if (node.Count == 0) return null;
        if (protocols.Count > 0) node["Proto"] = protocols.DeepClone();
        return node;
    }

    /// <summary>The IDF event of an IDEA message: the first Source and Target give source.* and destination.*, all their addresses related.ip.</summary>
    /// <param name="newEvent">Makes the event (a parser passes one that carries its report's fields).</param>
    /// <exception cref="InvalidDataException">The message is not a JSON object or not IDEA0.</exception>
    /// <exception cref="InvalidFieldException">A value does not fit its field.</exception>
    public static Event ToEvent(JsonElement idea, Func<Event> newEvent)
    {
        if (idea.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the IDEA message is a JSON {idea.ValueKind}, expected an object");
        if (Text(idea, "Format") is { } format && format != "IDEA0") throw new InvalidDataException($"the message's Format is '{format}', not IDEA0");
        var ev = newEvent();
        var feedName = ev["feed.name"] as string;
        ev.Add("custom.idea_id", Text(idea, "ID"));
        ev.Add("@timestamp", Text(idea, "EventTime") ?? Text(idea, "DetectTime"));
        ev.Add("event.created", Text(idea, "DetectTime"), overwrite: true);
        ev.Add("event.end", Text(idea, "CeaseTime"));
        if (idea.TryGetProperty("Category", out var categories) && categories.ValueKind == JsonValueKind.Array)
        {
            var names = categories.EnumerateArray().Select(c => c.GetString() ?? "").ToList();
            var type = Categories.FirstOrDefault(r => names.Count > 0 && r.Categories.SequenceEqual(names.Where(n => n != "Test"))).Type
                       ?? Categories.FirstOrDefault(r => names.Contains(r.Categories[0])).Type ?? "undetermined";
            ev.Add("classification.type", type);
            if (!Categories.First(r => r.Type == type).Categories.SequenceEqual(names))
                ev.Add("custom.idea_category", JsonNode.Parse(categories.GetRawText()));
        }
        if (idea.TryGetProperty("Confidence", out var confidence) && confidence.ValueKind == JsonValueKind.Number)
            ev.Add("feed.accuracy", confidence.GetDouble() * 100, overwrite: true);
        if (Text(idea, "Description") is { } description)
            ev.Add("message", feedName is not null && description.StartsWith(feedName + ": ", StringComparison.Ordinal) ? description[(feedName.Length + 2)..] : description);
        ev.Add("comment", Text(idea, "Note"));
        var otherRefs = new JsonArray();
        foreach (var reference in Strings(idea, "Ref"))
        {
            if (reference.StartsWith("misp_event:", StringComparison.Ordinal)) ev.Add("misp.event_uuid", reference[11..]);
            else if (reference.StartsWith("misp_attr:", StringComparison.Ordinal)) ev.Add("misp.attribute_uuid", reference[10..]);
            else if (!ev.Contains("event.reference") && ev.TryAdd("event.reference", reference)) { }
            else otherRefs.Add(reference);
        }
        if (otherRefs.Count > 0) ev.Add("custom.idea_ref", otherRefs);
        var related = new List<string>();
        var hosts = new List<string>();
        ReadSide(idea, "Source", "source", ev, related, hosts);
        ReadSide(idea, "Target", "destination", ev, related, hosts);
        if (related.Count > 1) ev.Add("related.ip", related);
        if (hosts.Count > 1) ev.Add("related.hosts", hosts);
        if (idea.TryGetProperty("Attach", out var attachments) && attachments.ValueKind == JsonValueKind.Array)
            foreach (var attachment in attachments.EnumerateArray())
                if (Strings(attachment, "Type").Contains("OrigData") && Text(attachment, "Content") is { } content && !ev.Contains(Event.OriginalField))
                {
                    ev.Add(Event.OriginalField, content);
                    if (Strings(attachment, "Ref").FirstOrDefault() is { } feedUrl) ev.TryAdd("feed.url", feedUrl);
                }
        if (idea.TryGetProperty("Node", out var nodes) && nodes.ValueKind == JsonValueKind.Array) ev.Add("custom.idea_node", JsonNode.Parse(nodes.GetRawText()));
        return ev;
    }

    static void ReadSide(JsonElement idea, string member, string side, Event ev, List<string> related, List<string> hosts)
    {
        if (!idea.TryGetProperty(member, out var list) || list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0) return;
        var first = list[0];
        foreach (var ip in Strings(first, "IP4").Concat(Strings(first, "IP6")))
        {
            if (ip.Contains('-')) continue; // a range has no IDF field; it stays in custom.idea_* below
            if (ip.Contains('/')) ev.TryAdd($"{side}.network", ip);
            else if (!ev.Contains($"{side}.ip")) ev.Add($"{side}.ip", ip);
        }
        foreach (var element in list.EnumerateArray())
            foreach (var ip in Strings(element, "IP4").Concat(Strings(element, "IP6")))
                if (!ip.Contains('/') && !ip.Contains('-') && IPAddress.TryParse(ip, out var address) && !related.Contains(address.ToString())) related.Add(address.ToString());
        foreach (var element in list.EnumerateArray())
            foreach (var host in Strings(element, "Hostname"))
                if (!hosts.Contains(host)) hosts.Add(host);
        ev.Add($"{side}.domain", Strings(first, "Hostname").FirstOrDefault());
        ev.Add($"{side}.reverse_dns", Strings(first, "PTR").FirstOrDefault());
        ev.Add($"{side}.port", Strings(first, "Port").FirstOrDefault());
        ev.Add($"{side}.url.full", Strings(first, "URL").FirstOrDefault());
        ev.Add($"{side}.as.number", Strings(first, "ASN").FirstOrDefault());
        ev.Add($"{side}.user.name", Strings(first, "Email").FirstOrDefault());
        foreach (var protocol in Strings(first, "Proto"))
            ev.TryAdd(Transports.Contains(protocol, StringComparer.OrdinalIgnoreCase) ? "network.transport" : "network.protocol", protocol);
        // What one event cannot hold (more elements, more values, ranges) is kept as IDEA wrote it.
        if (list.GetArrayLength() > 1 || first.EnumerateObject().Any(p => p.Value.ValueKind == JsonValueKind.Array && p.Value.GetArrayLength() > 1 && p.Name != "Proto")
            || Strings(first, "IP4").Concat(Strings(first, "IP6")).Any(ip => ip.Contains('-')))
            ev.Add($"custom.idea_{member.ToLowerInvariant()}", JsonNode.Parse(list.GetRawText()));
    }

    static void Put(JsonObject node, string name, object? value)
    {
        if (value is not null) node[name] = value is long n ? n : value.ToString();
    }

    static void PutList(JsonObject node, string name, object? value)
    {
        if (value is not null) node[name] = new JsonArray(value is long n ? JsonValue.Create(n) : JsonValue.Create(value.ToString()));
    }

    static bool IsV6(string address) => IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;

    static string? Text(JsonElement element, string name) => element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
        ? value.ValueKind switch { JsonValueKind.String => value.GetString(), JsonValueKind.Null => null, _ => value.GetRawText() } : null;

    // A member that IDEA defines as a list; a single value is read as a list of one.
    static IEnumerable<string> Strings(JsonElement element, string name)
    {
        if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out var value)) yield break;
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
                if (item.ValueKind is JsonValueKind.String or JsonValueKind.Number) yield return item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText();
        }
        else if (value.ValueKind is JsonValueKind.String or JsonValueKind.Number) yield return value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
    }
}

using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace IntelMQ.Core.Interop;

/// <summary>
/// Conversion between CERT Polska's n6 events (the JSON of n6's REST and stream APIs) and IDF events. One n6 event
/// becomes one IDF event per address, each with that address's AS and country (and, with several addresses,
/// <c>related.ip</c> listing all of them); the IDF events of one n6 event convert back to it. Attributes without an IDF
/// field, and values an IDF field refuses, are kept under <c>custom.*</c> with their n6 names, so nothing is lost.
/// </summary>
public static class N6Format
{
    // n6 attribute -> IDF field. The custom.* names are those IntelMQ's n6 parser gives them under extra.
    static readonly (string N6, string Idf)[] Attributes =
    [
        ("time", "@timestamp"), ("proto", "network.transport"), ("sport", "source.port"), ("dport", "destination.port"),
        ("dip", "destination.ip"), ("url", "source.url.full"), ("fqdn", "source.domain"), ("md5", "file.hash.md5"),
        ("sha1", "file.hash.sha1"), ("sha256", "file.hash.sha256"), ("target", "event_description.target"), ("status", "status"),
        ("id", "custom.feed_id"), ("source", "custom.feed_source"), ("confidence", "custom.confidence"), ("adip", "custom.adip"),
    ];

    static readonly (string N6, string Idf)[] AddressMembers =
    [
        ("ip", "source.ip"), ("ipv6", "source.ip"), ("asn", "source.as.number"), ("cc", "source.geo.country_iso_code"), ("rdns", "source.reverse_dns"),
    ];

    // Read by hand below: the classification, the name, the addresses and the stream's message type.
    static readonly HashSet<string> Special = ["category", "name", "address", "type"];

    static readonly Dictionary<string, (string Taxonomy, string Type, string? Identifier)> Categories = LoadCategories();

    static Dictionary<string, (string, string, string?)> LoadCategories()
    {
        using var stream = EmbeddedData.Open("n6-categories.json");
        using var document = JsonDocument.Parse(stream);
        var categories = new Dictionary<string, (string, string, string?)>(StringComparer.Ordinal);
        foreach (var row in document.RootElement.EnumerateObject())
            if (!row.Name.StartsWith('_'))
                categories[row.Name] = (row.Value[0].GetString()!, row.Value[1].GetString()!, row.Value[2].GetString());
        return categories;
    }

    /// <summary>The IDF events of one n6 event: one per address (one without any address when it has none).</summary>
    /// <param name="record">The n6 event, a JSON object.</param>
    /// <param name="newEvent">Makes each new event (a parser passes one that carries its report's fields).</param>
    /// <exception cref="InvalidDataException">The record is not a JSON object, or its address list is not a list of objects.</exception>
    /// <exception cref="InvalidFieldException">A value of a field the IDF requires (the classification) does not validate.</exception>
    public static List<Event> ToEvents(JsonElement record, Func<Event> newEvent)
    {
        if (record.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"the n6 event is a JSON {record.ValueKind}, expected an object");
        var common = newEvent();
        var category = Text(record, "category");
        var name = Text(record, "name");
        if (category is not null && Categories.TryGetValue(category, out var classification))
        {
            common.Add("classification.taxonomy", classification.Taxonomy);
            common.Add("classification.type", classification.Type);
            common.Add("classification.identifier", classification.Identifier ?? name);
        }
        else
        {
            common.Add("classification.taxonomy", "other");
            common.Add("classification.type", "undetermined");
            if (category is not null) common.Add("custom.category", category);
        }
        if (name is not null)
        {
            // A bot's name is its malware family; other categories name what was seen, which is the event's description.
            if (category != "bots") common.Add("message", name);
            common.Add("threat.software.name", AsciiOnly(name));
        }
        if (Text(record, "type") is { } type && type != "event") common.Add("custom.type", type);
        foreach (var member in record.EnumerateObject())
        {
            if (Special.Contains(member.Name) || member.Value.ValueKind == JsonValueKind.Null) continue;
            var field = Array.Find(Attributes, a => a.N6 == member.Name).Idf ?? $"custom.{member.Name}";
            AddOrKeep(common, field, member.Name, member.Value);
        }

        var addresses = record.TryGetProperty("address", out var list) && list.ValueKind == JsonValueKind.Array ? list : default;
        if (addresses.ValueKind != JsonValueKind.Array || addresses.GetArrayLength() == 0) return [common];
        var events = new List<Event>(addresses.GetArrayLength());
        var related = new List<string>();
        foreach (var address in addresses.EnumerateArray())
        {
            if (address.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"an element of the address list is a JSON {address.ValueKind}, expected an object");
            var ev = common.Clone();
            foreach (var member in address.EnumerateObject())
            {
                if (member.Value.ValueKind == JsonValueKind.Null) continue;
                var field = Array.Find(AddressMembers, a => a.N6 == member.Name).Idf ?? $"custom.address_{member.Name}";
                AddOrKeep(ev, field, $"address_{member.Name}", member.Value);
            }
            if (ev["source.ip"] is string ip) related.Add(ip);
            events.Add(ev);
        }
        if (events.Count > 1)
            foreach (var ev in events)
            {
                var mine = ev["source.ip"] as string;
                ev.Add("related.ip", mine is null ? related : related.Where(r => r != mine).Prepend(mine).ToList());
            }
        return events;
    }

    /// <summary>The n6 event that IDF events made from one n6 event stand for (one address per event), in n6's stream format.</summary>
    /// <exception cref="ArgumentException">No events given.</exception>
    public static JsonObject FromEvents(IReadOnlyList<Event> events)
    {
        if (events.Count == 0) throw new ArgumentException("at least one event is needed", nameof(events));
        var first = events[0];
        var n6 = new JsonObject();
        if (first["custom.category"] is { } category) n6["category"] = Node(category);
        else if (Category(first) is { } known) n6["category"] = known;
        var name = first["message"] as string ?? first["threat.software.name"] as string;
        if (name is not null) n6["name"] = name;
        foreach (var (attribute, field) in Attributes)
            if (first[field] is { } value) n6[attribute] = field == "@timestamp" ? N6Time((string)value) : Node(value);
        var addresses = new JsonArray();
        foreach (var ev in events)
        {
            var address = new JsonObject();
            foreach (var (member, field) in AddressMembers)
                if (ev[field] is { } value && (member != "ip" && member != "ipv6" || IsV6((string)value) == (member == "ipv6")))
                    address[member] = Node(value);
            foreach (var (key, value) in Customs(ev))
                if (key.StartsWith("address_", StringComparison.Ordinal)) address[key[8..]] = Node(value);
            if (address.Count > 0) addresses.Add(address);
        }
        if (addresses.Count > 0) n6["address"] = addresses;
        foreach (var (key, value) in Customs(first))
        {
            if (key.StartsWith("address_", StringComparison.Ordinal) || key is "category" or "type") continue;
            var attribute = Array.Find(Attributes, a => a.Idf == $"custom.{key}").N6 ?? key;
            n6[attribute] = Node(value);
        }
        n6["type"] = first["custom.type"] is { } type ? Node(type) : "event";
        return n6;
    }

    /// <summary>The n6 event of one IDF event.</summary>
    public static JsonObject FromEvent(Event ev) => FromEvents([ev]);

    static string? Category(Event ev)
    {
        var type = ev["classification.type"] as string;
        var identifier = ev["classification.identifier"] as string;
        string? byType = null;
        foreach (var (category, (_, t, id)) in Categories)
        {
            if (t != type) continue;
            if (id == identifier) return category;
            if (id is null) byType = category;
        }
        return byType;
    }

    static IEnumerable<(string Key, object Value)> Customs(Event ev)
    {
        foreach (var (path, value) in ev.Fields)
            if (path.StartsWith("custom.", StringComparison.Ordinal) && value is not null) yield return (path[7..], value);
    }

    static void AddOrKeep(Event ev, string field, string n6Name, JsonElement value)
    {
        object? item = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number when value.TryGetInt64(out var n) => n,
            _ => null,
        };
        if (field.StartsWith("custom.", StringComparison.Ordinal)) ev.Add(field, JsonNode.Parse(value.GetRawText()), overwrite: true);
        else if (item is null || !ev.TryAdd(field, item)) ev.Add($"custom.{n6Name}", JsonNode.Parse(value.GetRawText()), overwrite: true);
    }

    static JsonNode? Node(object value) => value switch
    {
        JsonNode node => node.DeepClone(),
        string s => s,
        long n => n,
        double d => d,
        bool b => b,
        _ => value.ToString(),
    };

    static bool IsV6(string address) => System.Net.IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6;

    // n6 writes UTC times with a Z.
    static string N6Time(string timestamp) => timestamp.EndsWith("+00:00", StringComparison.Ordinal) ? timestamp[..^6] + "Z" : timestamp;

    static string? Text(JsonElement record, string name) => record.TryGetProperty(name, out var value) ? value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => value.GetRawText(),
    } : null;

    // IntelMQ keeps malware names in ASCII: other characters are left out.
    static string AsciiOnly(string text)
    {
        var ascii = new StringBuilder(text.Length);
        foreach (var c in text)
            if (c < 128) ascii.Append(c);
        return ascii.ToString();
    }
}

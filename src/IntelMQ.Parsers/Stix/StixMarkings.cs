using System.Text.Json;
using IntelMQ.Core;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Stix;

/// <summary>TLP levels of STIX marking definitions: the fixed ids of TLP 1.0 and 2.0, and definitions carried in a bundle.</summary>
public static class StixMarkings
{
    static readonly Dictionary<string, string> Known = Load();

    // Strictest first: an object with several TLP markings gets the strictest.
    static readonly string[] Strictness = ["RED", "AMBER+STRICT", "AMBER", "GREEN", "CLEAR", "WHITE"];

    static Dictionary<string, string> Load()
    {
        using var stream = EmbeddedData.Open("stix-tlp-markings.json", typeof(StixMarkings).Assembly);
        using var document = JsonDocument.Parse(stream);
        var known = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in document.RootElement.EnumerateObject())
            if (!member.Name.StartsWith('_')) known[member.Name] = member.Value.GetString()!;
        return known;
    }

    /// <summary>The TLP level a marking definition of a bundle stands for, or null when it is no TLP marking.</summary>
    public static string? Level(JsonElement definition)
    {
        // STIX 2.0 style: definition_type tlp with definition.tlp; TLP 2.0 extension style: name "TLP:AMBER+STRICT".
        if (definition.Text("definition_type") == "tlp" && definition.Member("definition") is { } inner && inner.Text("tlp") is { } tlp)
            return tlp.ToUpperInvariant();
        return definition.Text("name") is { } name && name.StartsWith("TLP:", StringComparison.OrdinalIgnoreCase) ? name[4..].ToUpperInvariant() : null;
    }

    /// <summary>The TLP level a marking definition id stands for, from the fixed ids or the levels of the bundle's definitions; null when it is no TLP marking.</summary>
    public static string? Tlp(string id, IReadOnlyDictionary<string, string> bundle) =>
        Known.TryGetValue(id, out var level) || bundle.TryGetValue(id, out level) ? level : null;

    /// <summary>The strictest TLP level among an object's marking references, or null.</summary>
    public static string? Strictest(JsonElement stixObject, IReadOnlyDictionary<string, string> bundle)
    {
        string? strictest = null;
        if (stixObject.Member("object_marking_refs") is not { ValueKind: JsonValueKind.Array } refs) return null;
        foreach (var reference in refs.EnumerateArray())
        {
            if (reference.ValueKind != JsonValueKind.String || Tlp(reference.GetString()!, bundle) is not { } level) continue;
            if (strictest is null || Rank(level) < Rank(strictest)) strictest = level;
        }
        return strictest;
    }

    static int Rank(string level) => Array.IndexOf(Strictness, level) is var i and >= 0 ? i : Strictness.Length;
}

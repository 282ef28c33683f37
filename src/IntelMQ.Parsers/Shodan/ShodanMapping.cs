using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Shodan;

/// <summary>The Shodan parser's mapping of banner properties to fields (Data/shodan-mapping.json).</summary>
public sealed class ShodanMapping
{
    public required IReadOnlyDictionary<string, string> General { get; init; }
    public required IReadOnlyList<(string Path, string Spec)> Minimal { get; init; }
    public required IReadOnlySet<string> KeyedLists { get; init; }
    public required IReadOnlySet<string> IgnoredProtocolMembers { get; init; }

    public static ShodanMapping Load()
    {
        using var stream = EmbeddedData.Open("shodan-mapping.json", typeof(ShodanMapping).Assembly);
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        return new ShodanMapping
        {
            General = root.GetProperty("general").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
            Minimal = root.GetProperty("minimal").EnumerateObject().Select(p => (p.Name, p.Value.GetString()!)).ToList(),
            KeyedLists = root.GetProperty("keyed_lists").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal),
            IgnoredProtocolMembers = root.GetProperty("ignored_protocol_members").EnumerateArray().Select(e => e.GetString()!).ToHashSet(StringComparer.Ordinal),
        };
    }
}

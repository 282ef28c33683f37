using System.Text.Json;
using IntelMQ.Core;

namespace IntelMQ.Parsers.Misp;

/// <summary>The MISP parser's vocabulary (Data/misp-mapping.json): categories read, attribute types to fields, taxonomy tags to types.</summary>
public sealed class MispMapping
{
    public required string MalwareNameCategory { get; init; }
    public required IReadOnlySet<string> Categories { get; init; }
    public required IReadOnlyDictionary<string, string[]> Types { get; init; }
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    public static MispMapping Default { get; } = Load();

    static MispMapping Load()
    {
        using var stream = EmbeddedData.Open("misp-mapping.json", typeof(MispMapping).Assembly);
        using var document = JsonDocument.Parse(stream);
        var root = document.RootElement;
        return new MispMapping
        {
            MalwareNameCategory = root.GetProperty("malware_name_category").GetString()!,
            Categories = root.GetProperty("categories").EnumerateArray().Select(c => c.GetString()!).ToHashSet(StringComparer.Ordinal),
            Types = root.GetProperty("types").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(f => f.GetString()!).ToArray(), StringComparer.Ordinal),
            Tags = root.GetProperty("tags").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal),
        };
    }

    /// <summary>The classification.type a tag names: an eCSIRT tag by the table, an RSIT tag (rsit:x="type") by its value.</summary>
    public string? TypeOf(string tag)
    {
        if (Tags.TryGetValue(tag, out var type)) return type;
        if (!tag.StartsWith("rsit:", StringComparison.Ordinal)) return null;
        var quote = tag.IndexOf('"');
        return quote > 0 && tag.EndsWith('"') && tag.Length > quote + 2 ? tag[(quote + 1)..^1] : null;
    }
}

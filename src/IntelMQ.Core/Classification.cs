using System.Collections.Frozen;
using System.Text.Json;

namespace IntelMQ.Core;

/// <summary>
/// The RSIT vocabulary (vendored <c>rsit-machinev1.json</c>) plus the legacy IntelMQ types RSIT lacks
/// (<c>classification-types.tsv</c>): which taxonomy each classification type belongs to.
/// </summary>
public static class Classification
{
    /// <summary>classification.type -> classification.taxonomy.</summary>
    public static FrozenDictionary<string, string> TaxonomyOfType { get; }

    public static FrozenSet<string> Taxonomies { get; }

    static Classification()
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        using (var doc = JsonDocument.Parse(EmbeddedData.Open("rsit-machinev1.json")))
            foreach (var group in doc.RootElement.GetProperty("values").EnumerateArray())
            {
                var taxonomy = group.GetProperty("predicate").GetString()!;
                foreach (var entry in group.GetProperty("entry").EnumerateArray())
                    types[entry.GetProperty("value").GetString()!] = taxonomy;
            }
        foreach (var row in EmbeddedData.ReadTable("classification-types.tsv"))
            types.TryAdd(row[0], row[1]);
        TaxonomyOfType = types.ToFrozenDictionary(StringComparer.Ordinal);
        Taxonomies = types.Values.ToFrozenSet(StringComparer.Ordinal);
    }
}

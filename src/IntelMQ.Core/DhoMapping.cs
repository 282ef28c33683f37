using System.Collections.Frozen;

namespace IntelMQ.Core;

/// <summary>
/// IntelMQ's legacy flat field names (DHO, <c>source.asn</c>) and their IDF fields (<c>source.as.number</c>),
/// from the data file <c>dho-mapping.tsv</c>. <c>extra.*</c> maps to <c>custom.*</c>. Used in both directions.
/// </summary>
public static class DhoMapping
{
    const string Extra = "extra.", Custom = "custom.";

    public static FrozenDictionary<string, string> DhoToIdf { get; }
    public static FrozenDictionary<string, string> IdfToDho { get; }

    static DhoMapping()
    {
        var rows = EmbeddedData.ReadTable("dho-mapping.tsv").Where(r => r[0] != "extra").ToList();
        DhoToIdf = rows.ToFrozenDictionary(r => r[0], r => r[1], StringComparer.Ordinal);
        IdfToDho = rows.ToFrozenDictionary(r => r[1], r => r[0], StringComparer.Ordinal);
    }

    /// <summary>The IDF path of a DHO field, or null when the DHO field is unknown.</summary>
    public static string? ToIdf(string dho) =>
        DhoToIdf.TryGetValue(dho, out var idf) ? idf
        : dho.StartsWith(Extra, StringComparison.Ordinal) ? string.Concat(Custom, dho.AsSpan(Extra.Length)) : null;

    /// <summary>The DHO name of an IDF path, or null when IntelMQ has no field for it.</summary>
    public static string? ToDho(string idf) =>
        IdfToDho.TryGetValue(idf, out var dho) ? dho
        : idf.StartsWith(Custom, StringComparison.Ordinal) ? string.Concat(Extra, idf.AsSpan(Custom.Length)) : null;
}

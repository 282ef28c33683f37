namespace IntelMQ.Parsers.Shadowserver;

/// <summary>One <c>[target, column, conversion, whole-row]</c> entry of a report type in the Shadowserver schema.</summary>
/// <param name="Target">The IntelMQ field the schema names (<c>source.ip</c>, <c>extra.</c>, <c>severity</c>).</param>
/// <param name="Path">The IDF field the value goes to, or null when the schema names a field IntelMQ does not know.</param>
/// <param name="Column">The CSV column.</param>
/// <param name="ConversionName">The schema's conversion function name, or null.</param>
/// <param name="WholeRow">The conversion reads the whole row (e.g. host and URL columns together).</param>
public sealed record ShadowserverField(string Target, string? Path, string Column, string? ConversionName, bool WholeRow)
{
    public ShadowserverConversions.Conversion? Conversion { get; } =
        ConversionName is null ? null : ShadowserverConversions.Get(ConversionName);

    public bool IsCustom { get; } = Path?.StartsWith("custom.", StringComparison.Ordinal) == true;
}

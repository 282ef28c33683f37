using System.Text.Json;

namespace IntelMQ.Parsers.Common;

/// <summary>Reading the members of a JSON record: absent and null are the same, "no value".</summary>
public static class JsonFields
{
    /// <summary>The member, or null when it is absent or JSON null (or the record is not an object).</summary>
    public static JsonElement? Member(this JsonElement record, string name) =>
        record.ValueKind == JsonValueKind.Object && record.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>The member as text (a number as written), or null when it is absent or null.</summary>
    public static string? Text(this JsonElement record, string name) => record.Member(name) switch
    {
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { ValueKind: JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } v => v.GetRawText(),
        null => null,
        var other => throw new InvalidDataException($"'{name}' is {other.Value.ValueKind}, expected text or a number"),
    };
}

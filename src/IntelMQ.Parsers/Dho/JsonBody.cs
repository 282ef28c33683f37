using System.Text.Json;
using IntelMQ.Parsers.Common;

namespace IntelMQ.Parsers.Dho;

/// <summary>A report body that is one JSON document of up to 256 MiB, and IntelMQ-style reading of its members.</summary>
public static class JsonBody
{
    /// <summary>The largest JSON report, in characters.</summary>
    public const int MaxSize = 256 << 20;

    /// <exception cref="InvalidDataException">The body is larger than <see cref="MaxSize"/> or not JSON (the whole report is unusable).</exception>
    public static JsonDocument Read(TextReader body) => JsonReport.ReadDocument(body, MaxSize);

    /// <summary>The value of a property, or an undefined element when the object lacks it (or is not an object).</summary>
    public static JsonElement Get(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    /// <summary>The text of a string value, the JSON of another value, null when undefined or null.</summary>
    public static string? Text(this JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Undefined or JsonValueKind.Null => null,
        _ => element.GetRawText(),
    };
}

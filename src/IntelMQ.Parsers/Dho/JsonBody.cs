using System.Text;
using System.Text.Json;

namespace IntelMQ.Parsers.Dho;

/// <summary>A report body that is one JSON document, read with bounded size and depth.</summary>
public static class JsonBody
{
    /// <summary>The largest JSON report, in characters.</summary>
    public const int MaxSize = 256 << 20;

    public static readonly JsonDocumentOptions Limits = new() { MaxDepth = 64 };

    /// <exception cref="InvalidDataException">The body is larger than <see cref="MaxSize"/> or not JSON (the whole report is unusable).</exception>
    public static JsonDocument Read(TextReader body)
    {
        var sb = new StringBuilder();
        var buffer = new char[16 * 1024];
        int n;
        while ((n = body.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (sb.Length + n > MaxSize) throw new InvalidDataException($"the report is larger than {MaxSize} characters");
            sb.Append(buffer, 0, n);
        }
        try
        {
            return JsonDocument.Parse(sb.ToString(), Limits);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"the report is not JSON (or nested deeper than {Limits.MaxDepth} levels): {ex.Message}", ex);
        }
    }

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

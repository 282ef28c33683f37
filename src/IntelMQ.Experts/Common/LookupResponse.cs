using System.Text;
using System.Text.Json;

namespace IntelMQ.Experts.Common;

/// <summary>An HTTP answer: its status and its body (at most <see cref="LookupHttpClient.MaxBody"/> bytes).</summary>
sealed record LookupResponse(int Status, byte[] Body, string? Charset)
{
    /// <summary>The body as JSON.</summary>
    /// <exception cref="LookupFailure">It is not JSON (or was cut at the size limit).</exception>
    public JsonDocument Json(string what)
    {
        try
        {
            return JsonDocument.Parse(Body, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new LookupFailure($"{what}: the answer is not JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The body as text, in the charset the server named (UTF-8 when it named none or one unknown here).</summary>
    public string Text()
    {
        Encoding encoding;
        try
        {
            encoding = Charset is { Length: > 0 } name ? Encoding.GetEncoding(name.Trim('"')) : Encoding.UTF8;
        }
        catch (ArgumentException)
        {
            encoding = Encoding.UTF8;
        }
        return encoding.GetString(Body);
    }
}

using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace IntelMQ.Channels;

/// <summary>
/// The JSON frames of Pulsar's WebSocket API (<c>/ws/v2/producer</c> and <c>/ws/v2/consumer</c>): what a producer
/// sends and the receipts it gets back, what a consumer receives and how it acknowledges.
/// </summary>
public static class PulsarFrames
{
    static readonly JsonWriterOptions Compact = new() { SkipValidation = true };

    /// <summary>A message to publish: <c>{"payload": BASE64, "context": "N"}</c>; the receipt names the same context.</summary>
    public static void WriteSend(IBufferWriter<byte> output, ReadOnlySpan<byte> payload, long context)
    {
        using var writer = new Utf8JsonWriter(output, Compact);
        writer.WriteStartObject();
        writer.WriteBase64String("payload"u8, payload);
        Span<char> digits = stackalloc char[20];
        context.TryFormat(digits, out var length, provider: CultureInfo.InvariantCulture);
        writer.WriteString("context"u8, digits[..length]);
        writer.WriteEndObject();
    }

    /// <summary>An acknowledgement: <c>{"messageId": ID}</c>, the id exactly as received.</summary>
    public static void WriteAck(IBufferWriter<byte> output, string messageId)
    {
        using var writer = new Utf8JsonWriter(output, Compact);
        writer.WriteStartObject();
        writer.WriteString("messageId"u8, messageId);
        writer.WriteEndObject();
    }

    /// <summary>
    /// A producer's receipt, <c>{"result": "ok", "messageId": ..., "context": "N"}</c> or
    /// <c>{"result": "send-error:3", "errorMsg": ..., "context": "N"}</c>. False when the frame names no numeric context.
    /// </summary>
    /// <param name="error">Null when the message was stored; else the result and error message.</param>
    public static bool TryReadReceipt(ReadOnlySpan<byte> frame, out long context, out string? error)
    {
        context = 0;
        error = null;
        try
        {
            return ReadReceipt(frame, out context, out error);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static bool ReadReceipt(ReadOnlySpan<byte> frame, out long context, out string? error)
    {
        context = 0;
        error = null;
        string? result = null, message = null, contextText = null;
        var reader = new Utf8JsonReader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("result"u8)) result = ReadString(ref reader);
            else if (reader.ValueTextEquals("errorMsg"u8)) message = ReadString(ref reader);
            else if (reader.ValueTextEquals("context"u8)) contextText = ReadString(ref reader);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (contextText is null || !long.TryParse(contextText, NumberStyles.None, CultureInfo.InvariantCulture, out context)) return false;
        if (result != "ok") error = message is null ? result ?? "no result" : $"{result ?? "error"}: {message}";
        return true;
    }

    /// <summary>
    /// A message pushed to a consumer: <c>{"messageId": ..., "payload": BASE64, "redeliveryCount": N, ...}</c>. False
    /// for other frames (answers to other requests). A payload that is not base64 is kept as its text, so that the
    /// program dumps it with its id instead of losing it.
    /// </summary>
    public static bool TryReadMessage(ReadOnlySpan<byte> frame, [NotNullWhen(true)] out PulsarMessage? message)
    {
        message = null;
        try
        {
            return ReadMessage(frame, out message);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    static bool ReadMessage(ReadOnlySpan<byte> frame, out PulsarMessage? message)
    {
        message = null;
        string? id = null;
        byte[]? payload = null;
        var redeliveries = 0;
        var reader = new Utf8JsonReader(frame);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("messageId"u8)) id = ReadString(ref reader);
            else if (reader.ValueTextEquals("payload"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String) continue;
                if (!reader.TryGetBytesFromBase64(out payload)) payload = Encoding.UTF8.GetBytes(reader.GetString()!);
            }
            else if (reader.ValueTextEquals("redeliveryCount"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number) reader.TryGetInt32(out redeliveries);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (id is null || payload is null) return false;
        message = new PulsarMessage(id, payload, redeliveries);
        return true;
    }

    static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
    }
}

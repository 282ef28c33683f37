namespace IntelMQ.Channels;

/// <summary>A message pushed by Pulsar's WebSocket consumer endpoint.</summary>
/// <param name="MessageId">The broker's id, opaque (base64), sent back as is to acknowledge the message.</param>
/// <param name="Payload">The message itself, decoded from base64.</param>
/// <param name="RedeliveryCount">How many times the broker delivered it before.</param>
public sealed record PulsarMessage(string MessageId, byte[] Payload, int RedeliveryCount);

namespace IntelMQ.Runtime.Channels;

/// <summary>A message taken from an input channel. It stays in flight, and is redelivered after a crash, until acknowledged.</summary>
/// <param name="Body">The message as received (one JSON document).</param>
/// <param name="Position">Where it came from, for dumps and messages (a line number, a stream id, an offset).</param>
/// <param name="Token">The channel's own handle for acknowledging it.</param>
public sealed record Delivery(ReadOnlyMemory<byte> Body, string Position, object? Token = null);

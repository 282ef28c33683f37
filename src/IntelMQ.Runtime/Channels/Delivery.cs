namespace IntelMQ.Runtime.Channels;

/// <summary>A message taken from an input channel. It stays in flight, and is redelivered after a crash, until acknowledged.</summary>
/// <param name="Body">The message as received (one JSON document).</param>
/// <param name="Position">Where it came from, for dumps and messages (a line number, a stream id, an offset).</param>
/// <param name="Token">The channel's own handle for acknowledging it.</param>
/// <param name="Error">
/// Why the channel could not take the message whole (longer than <c>max_message_size</c>; <see cref="Body"/> is then its
/// start): the host dumps it with this error instead of processing it, and acknowledges it like any other.
/// </param>
public sealed record Delivery(ReadOnlyMemory<byte> Body, string Position, object? Token = null, Exception? Error = null);

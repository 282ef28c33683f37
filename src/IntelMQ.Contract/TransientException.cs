namespace IntelMQ.Contract;

/// <summary>
/// A failure that says nothing about the message: the server is down, a timeout, a full disk. The runtime keeps the
/// batch unacknowledged and retries with backoff; it never dumps a message for this. Other exceptions are permanent:
/// the message itself is bad, and it goes to the dump.
/// </summary>
public sealed class TransientException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>How long the server asked to be left alone (HTTP's Retry-After); no retry comes sooner.</summary>
    public TimeSpan? RetryAfter { get; init; }
}

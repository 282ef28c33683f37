using IntelMQ.Core;

namespace IntelMQ.Contract;

/// <summary>
/// Delivers events out of the workflow in batches (PostgreSQL COPY, Elasticsearch <c>_bulk</c>, Splunk HEC, a file
/// append). <see cref="WriteAsync"/> returns once the batch is durably accepted as the output's options ask.
/// </summary>
/// <remarks>
/// Results are per event: <paramref name="results"/> comes filled with <see cref="WriteResult.Written"/>; mark an event
/// the destination refused with <see cref="WriteResult.Refused"/> (it goes to the dump with the reason) or one to try
/// again with <see cref="WriteResult.Retry"/>. Throw <see cref="TransientException"/> when nothing could be written
/// (connection lost, 503): the whole batch stays unacknowledged and is retried with backoff, never dumped.
/// </remarks>
public interface IOutput
{
    ValueTask WriteAsync(IReadOnlyList<Event> events, WriteResult[] results, CancellationToken cancellationToken);
}

/// <summary>What became of one event of a batch.</summary>
public readonly record struct WriteResult(WriteStatus Status, string? Reason = null)
{
    public static WriteResult Written => default;

    /// <summary>The destination refused this event for good (a mapping conflict, a value too long): it goes to the dump.</summary>
    public static WriteResult Refused(string reason) => new(WriteStatus.Refused, reason);

    /// <summary>This event could not be written now (429, a full queue): it is retried with backoff, not dumped.</summary>
    public static WriteResult Retry(string reason) => new(WriteStatus.Retry, reason);
}

public enum WriteStatus { Written, Retry, Refused }

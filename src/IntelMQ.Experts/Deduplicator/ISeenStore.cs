namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// Where the deduplicator and the event-identity expert keep the keys of events they passed on: a local file (one
/// instance) or Redis (several processes). A key is marked at once for the events that follow, and stored only once
/// the event passed on with it was handed on (<see cref="Delivered"/>), so that a crash before the hand-off leaves no
/// mark and the redelivered event passes again.
/// </summary>
interface ISeenStore : IDisposable
{
    /// <summary>
    /// Marks <paramref name="key"/> with <paramref name="mark"/> unless a live mark has it: null when it was marked now,
    /// else what the live mark holds ("" when it holds nothing we wrote).
    /// </summary>
    /// <exception cref="IntelMQ.Contract.TransientException">The store cannot be reached.</exception>
    string? FindOrAdd(SeenKey key, SeenMark mark, long now);

    /// <summary>Stores the marks added since the last call, whose events were handed on; a store that cannot be reached gets them at the next call.</summary>
    void Delivered(long now);

    /// <summary>What the store holds, for <c>--self-test</c>.</summary>
    string Describe(long now);
}

namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// Where the deduplicator and the event-identity expert keep the keys of events they passed on: a local file (one
/// instance) or Redis (several processes).
/// </summary>
interface ISeenStore : IDisposable
{
    /// <summary>Whether a live mark has the key; <paramref name="value"/> is what it holds ("" when it holds nothing we wrote).</summary>
    /// <exception cref="IntelMQ.Contract.TransientException">The store cannot be reached.</exception>
    bool TryFind(SeenKey key, long now, out string value);

    /// <summary>Marks the keys of events handed on, each until its expiry; a key already marked keeps its mark and value.</summary>
    /// <exception cref="IntelMQ.Contract.TransientException">The store cannot be reached; nothing may have been marked.</exception>
    void Mark(IReadOnlyDictionary<SeenKey, SeenMark> marks, long now);

    /// <summary>What the store holds, for <c>--self-test</c>.</summary>
    string Describe(long now);
}

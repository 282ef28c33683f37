namespace IntelMQ.Experts.Deduplicator;

/// <summary>Where the deduplicator keeps the keys of events it passed on: a local file (one instance) or Redis (several processes).</summary>
interface ISeenStore : IDisposable
{
    /// <summary>Whether a live mark has the key.</summary>
    /// <exception cref="IntelMQ.Contract.TransientException">The store cannot be reached.</exception>
    bool Contains(string key, long now);

    /// <summary>Marks the keys of events handed on, each until its expiry (Unix seconds); a key already marked keeps its mark.</summary>
    /// <exception cref="IntelMQ.Contract.TransientException">The store cannot be reached; nothing may have been marked.</exception>
    void Mark(IReadOnlyDictionary<string, long> marks, long now);

    /// <summary>What the store holds, for <c>--self-test</c>.</summary>
    string Describe(long now);
}

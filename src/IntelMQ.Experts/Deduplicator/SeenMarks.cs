using IntelMQ.Contract;
using Microsoft.Extensions.Logging;

namespace IntelMQ.Experts.Deduplicator;

/// <summary>
/// The marks of the events an expert passed on: in memory until their hand-off is confirmed (<see cref="Delivered"/>),
/// then in the store, so that a retried batch is not taken for a duplicate of itself and lost.
/// </summary>
sealed class SeenMarks(ISeenStore store, ILogger log) : IDisposable
{
    readonly Dictionary<SeenKey, SeenMark> _pending = [];

    /// <summary>The value of a live mark, pending or stored ("" when it holds none), or null when the key is not marked.</summary>
    /// <exception cref="TransientException">The store cannot be reached.</exception>
    public string? Find(SeenKey key, long now) =>
        _pending.TryGetValue(key, out var pending) && pending.Expires > now ? pending.Value ?? ""
        : store.TryFind(key, now, out var value) ? value : null;

    /// <summary>Marks <paramref name="key"/> once the event passed on with it is handed on.</summary>
    public void Add(SeenKey key, SeenMark mark) => _pending[key] = mark;

    /// <summary>Stores the marks of the events handed on since the last call; a store that cannot be reached gets them at the next call.</summary>
    public void Delivered(long now)
    {
        if (_pending.Count == 0) return;
        try
        {
            store.Mark(_pending, now);
            _pending.Clear();
        }
        catch (TransientException ex)
        {
            log.LogWarning("{Error}; {Count} marks are kept in memory and stored after the next hand-off", ex.Message, _pending.Count);
        }
    }

    public string Describe(long now) => store.Describe(now);

    public void Dispose() => store.Dispose();
}

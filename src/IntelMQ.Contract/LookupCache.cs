namespace IntelMQ.Contract;

/// <summary>
/// Answers of an asynchronous expert's lookups, kept for a time, bounded in size. Concurrent lookups of one key share
/// one request. A failed lookup is not kept, so the next event asks again.
/// </summary>
public sealed class LookupCache<TKey, TValue>(int capacity, TimeSpan timeToLive, TimeProvider? clock = null) where TKey : notnull
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    readonly Dictionary<TKey, (Task<TValue> Answer, long Expires)> _entries = [];
    readonly Queue<TKey> _order = new(); // insertion order, for eviction when full

    public int Count { get { lock (_entries) return _entries.Count; } }

    public Task<TValue> GetAsync(TKey key, Func<TKey, Task<TValue>> lookup)
    {
        var now = _clock.GetTimestamp();
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Expires > now && !entry.Answer.IsFaulted && !entry.Answer.IsCanceled)
                return entry.Answer;
            while (_entries.Count >= capacity && _order.TryDequeue(out var oldest)) _entries.Remove(oldest);
            var answer = lookup(key);
            if (!_entries.ContainsKey(key)) _order.Enqueue(key);
            _entries[key] = (answer, now + (long)(timeToLive.TotalSeconds * _clock.TimestampFrequency));
            return answer;
        }
    }
}

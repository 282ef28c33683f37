namespace IntelMQ.Contract;

/// <summary>
/// Answers of an asynchronous expert's lookups, kept for a time, bounded in size. Concurrent lookups of one key share
/// one request. A failed lookup is not kept, so the next event asks again.
/// </summary>
public sealed class LookupCache<TKey, TValue> where TKey : notnull
{
    readonly TimeProvider _clock;
    readonly int _capacity;
    readonly Func<TValue, TimeSpan> _timeToLive;
    readonly Dictionary<TKey, (Task<TValue> Answer, long Stored)> _entries = [];
    readonly Queue<TKey> _order = new(); // insertion order, for eviction when full

    public LookupCache(int capacity, TimeSpan timeToLive, TimeProvider? clock = null) : this(capacity, _ => timeToLive, clock) { }

    /// <param name="timeToLive">How long an answer is kept, by the answer ('no such name' for less time than an address, say).</param>
    public LookupCache(int capacity, Func<TValue, TimeSpan> timeToLive, TimeProvider? clock = null)
    {
        _capacity = capacity;
        _timeToLive = timeToLive;
        _clock = clock ?? TimeProvider.System;
    }

    public int Count { get { lock (_entries) return _entries.Count; } }

    public Task<TValue> GetAsync(TKey key, Func<TKey, Task<TValue>> lookup)
    {
        var now = _clock.GetTimestamp();
        lock (_entries)
        {
            if (_entries.TryGetValue(key, out var entry) && IsFresh(entry.Answer, entry.Stored, now))
                return entry.Answer;
            while (_entries.Count >= _capacity && _order.TryDequeue(out var oldest)) _entries.Remove(oldest);
            var answer = lookup(key);
            if (!_entries.ContainsKey(key)) _order.Enqueue(key);
            _entries[key] = (answer, now);
            return answer;
        }
    }

    /// <summary>A pending lookup is shared; a finished one is kept for its answer's time to live; a failed one not at all.</summary>
    bool IsFresh(Task<TValue> answer, long stored, long now) => answer.Status switch
    {
        TaskStatus.RanToCompletion => now < stored + (long)(_timeToLive(answer.Result).TotalSeconds * _clock.TimestampFrequency),
        TaskStatus.Faulted or TaskStatus.Canceled => false,
        _ => true,
    };
}

namespace IntelMQ.Experts.Common;

/// <summary>A bounded map that forgets its least recently used entry when full; for one thread.</summary>
sealed class LruCache<TKey, TValue>(int capacity) where TKey : notnull
{
    readonly Dictionary<TKey, LinkedListNode<(TKey Key, TValue Value)>> _nodes = [];
    readonly LinkedList<(TKey Key, TValue Value)> _order = new(); // most recently used first

    public bool TryGet(TKey key, out TValue value)
    {
        if (_nodes.TryGetValue(key, out var node))
        {
            _order.Remove(node);
            _order.AddFirst(node);
            value = node.Value.Value;
            return true;
        }
        value = default!;
        return false;
    }

    public void Add(TKey key, TValue value)
    {
        if (_nodes.Remove(key, out var old)) _order.Remove(old);
        else if (_nodes.Count >= capacity && _order.Last is { } last)
        {
            _order.RemoveLast();
            _nodes.Remove(last.Value.Key);
        }
        _nodes[key] = _order.AddFirst((key, value));
    }
}

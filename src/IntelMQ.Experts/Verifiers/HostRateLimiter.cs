namespace IntelMQ.Experts.Verifiers;

/// <summary>Spaces requests to one host at least an interval apart, handing out turns in order of arrival.</summary>
sealed class HostRateLimiter(TimeSpan interval, TimeProvider clock)
{
    const int PruneAbove = 10_000;
    readonly Dictionary<string, DateTimeOffset> _nextTurn = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Waits for this host's next turn.</summary>
    /// <returns>False, without taking a turn, when the turn is further away than <paramref name="longestWait"/>.</returns>
    public async Task<bool> WaitTurnAsync(string host, TimeSpan longestWait, CancellationToken cancellationToken)
    {
        if (interval <= TimeSpan.Zero) return true;
        var now = clock.GetUtcNow();
        DateTimeOffset turn;
        lock (_nextTurn)
        {
            turn = _nextTurn.TryGetValue(host, out var next) && next > now ? next : now;
            if (turn - now > longestWait) return false;
            if (_nextTurn.Count >= PruneAbove) Prune(now);
            _nextTurn[host] = turn + interval;
        }
        if (turn > now) await Task.Delay(turn - now, clock, cancellationToken);
        return true;
    }

    // Hosts whose turn has passed need no entry: the next request to them may go at once.
    void Prune(DateTimeOffset now)
    {
        foreach (var (host, next) in _nextTurn)
            if (next <= now) _nextTurn.Remove(host);
    }
}

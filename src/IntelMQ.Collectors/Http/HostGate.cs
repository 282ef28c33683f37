using System.Collections.Concurrent;
using IntelMQ.Contract;

namespace IntelMQ.Collectors.Http;

/// <summary>
/// What one host (scheme, name and port) is asked, counted over every HTTP client of the process, since the workflow
/// runner runs many collectors in one: at most so many requests at a time, their starts no closer together than the
/// rate allows, and none while a Retry-After the host gave runs. The strictest limits any client set for a host apply.
/// </summary>
sealed class HostGate
{
    static readonly ConcurrentDictionary<string, HostGate> Hosts = new(StringComparer.OrdinalIgnoreCase);

    readonly Lock _lock = new();
    readonly Queue<TaskCompletionSource> _waiting = new();
    readonly string _host;
    int _limit = int.MaxValue, _active;
    TimeSpan _spacing;
    DateTimeOffset _nextStart = DateTimeOffset.MinValue, _quietUntil = DateTimeOffset.MinValue;

    HostGate(string host) => _host = host;

    /// <param name="rate">Requests per second at most; 0 for no limit.</param>
    public static HostGate For(Uri uri, int concurrency, double rate)
    {
        var gate = Hosts.GetOrAdd($"{uri.Scheme}://{uri.Authority}", host => new HostGate(host));
        lock (gate._lock)
        {
            gate._limit = Math.Min(gate._limit, concurrency);
            if (rate > 0 && TimeSpan.FromSeconds(1 / rate) is var spacing && spacing > gate._spacing) gate._spacing = spacing;
        }
        return gate;
    }

    /// <summary>Waits for a turn: a free place among the host's requests, then the rate's spacing.</summary>
    /// <returns>The turn, to dispose once the request and its body are done.</returns>
    /// <exception cref="TransientException">The host asked (Retry-After) not to be asked yet.</exception>
    public async Task<IDisposable> EnterAsync(TimeProvider clock, CancellationToken cancellationToken)
    {
        TaskCompletionSource? turn = null;
        lock (_lock)
        {
            var now = clock.GetUtcNow();
            if (_quietUntil > now)
                throw new TransientException($"{_host} asked not to be asked again before {_quietUntil.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} (Retry-After)") { RetryAfter = _quietUntil - now };
            if (_active < _limit) _active++;
            else _waiting.Enqueue(turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
        if (turn is not null)
            using (cancellationToken.Register(() => turn.TrySetCanceled(cancellationToken)))
                await turn.Task;
        try
        {
            TimeSpan wait;
            lock (_lock)
            {
                var now = clock.GetUtcNow();
                var start = _nextStart > now ? _nextStart : now;
                _nextStart = start + _spacing;
                wait = start - now;
            }
            if (wait > TimeSpan.Zero) await Task.Delay(wait, clock, cancellationToken);
        }
        catch
        {
            Leave();
            throw;
        }
        return new Turn(this);
    }

    /// <summary>The host answered with a Retry-After: nobody asks it again before then.</summary>
    public void Quiet(DateTimeOffset until)
    {
        lock (_lock)
            if (until > _quietUntil) _quietUntil = until;
    }

    void Leave()
    {
        lock (_lock)
        {
            // A waiter that was cancelled meanwhile refuses the turn: it goes to the next.
            while (_waiting.TryDequeue(out var next))
                if (next.TrySetResult()) return;
            _active--;
        }
    }

    sealed class Turn(HostGate gate) : IDisposable
    {
        int _left;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _left, 1) == 0) gate.Leave();
        }
    }
}

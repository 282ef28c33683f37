using IntelMQ.Contract;

namespace IntelMQ.Experts.Verifiers;

/// <summary>
/// Runs a verifier's checks within its bounds: answers cached by key, at most max_concurrency checks at once, each
/// with one deadline for waiting and working; a check that misses it is 'unknown', never an error.
/// </summary>
sealed class BoundedChecks : IDisposable
{
    readonly LookupCache<string, Verdict> _cache;
    readonly SemaphoreSlim _slots;
    readonly TimeSpan _deadline;
    readonly TimeProvider _clock;

    public BoundedChecks(VerifierOptions options, TimeProvider clock)
    {
        TimeSpan known = TimeSpan.FromSeconds(options.CacheTtl), unknown = TimeSpan.FromSeconds(options.CacheTtlUnknown);
        _cache = new(options.CacheSize, verdict => verdict.Result == Verdict.Unknown ? unknown : known, clock);
        _slots = new(options.MaxConcurrency, options.MaxConcurrency);
        _deadline = TimeSpan.FromSeconds(options.Timeout);
        _clock = clock;
        RateLimiter = new HostRateLimiter(TimeSpan.FromSeconds(options.PerHostInterval), clock);
    }

    public HostRateLimiter RateLimiter { get; }

    /// <summary>The longest a check may wait for its host's turn: what is left of the deadline.</summary>
    public TimeSpan Deadline => _deadline;

    /// <param name="check">Looks; it gets the deadline's token and turns its own failures into a verdict.</param>
    public Task<Verdict> GetAsync(string key, Func<CancellationToken, Task<Verdict>> check, CancellationToken cancellationToken) =>
        // A shared check is bounded by its own deadline; one event's cancellation must not cancel it for the others.
        _cache.GetAsync(key, _ => RunAsync(check)).WaitAsync(cancellationToken);

    async Task<Verdict> RunAsync(Func<CancellationToken, Task<Verdict>> check)
    {
        using var deadline = new CancellationTokenSource(_deadline, _clock);
        try
        {
            await _slots.WaitAsync(deadline.Token);
            try
            {
                return await check(deadline.Token);
            }
            finally
            {
                _slots.Release();
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            return Verdict.NotKnown($"no answer within {_deadline.TotalSeconds:0.###} s");
        }
    }

    public void Dispose() => _slots.Dispose();
}

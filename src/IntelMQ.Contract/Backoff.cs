namespace IntelMQ.Contract;

/// <summary>
/// The one backoff of the code base: exponential from <see cref="Initial"/> up to <see cref="Max"/>, with full jitter,
/// so that many workers retrying one server do not knock together.
/// </summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max)
{
    public static Backoff Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

    /// <summary>The wait before attempt <paramref name="attempt"/> + 1 (0-based): a random time between half and all of the exponential step.</summary>
    public TimeSpan Delay(int attempt)
    {
        var step = Math.Min(Max.TotalMilliseconds, Initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 20)));
        return TimeSpan.FromMilliseconds(step / 2 + Random.Shared.NextDouble() * step / 2);
    }
}

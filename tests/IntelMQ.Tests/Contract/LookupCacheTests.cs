namespace IntelMQ.Tests.Contract;

public sealed class LookupCacheTests
{
    sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }
        public override long GetTimestamp() => Ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }

    [Fact]
    public async Task Each_answer_is_kept_for_its_own_time_to_live()
    {
        var clock = new ManualClock();
        var cache = new LookupCache<string, string?>(10, answer => answer is null ? TimeSpan.FromSeconds(60) : TimeSpan.FromHours(1), clock);
        var asked = 0;
        Task<string?> Lookup(string key)
        {
            asked++;
            return Task.FromResult<string?>(key == "found" ? "name" : null);
        }

        await cache.GetAsync("found", Lookup);
        await cache.GetAsync("missing", Lookup);
        clock.Ticks = TimeSpan.FromSeconds(61).Ticks;
        await cache.GetAsync("found", Lookup);
        await cache.GetAsync("missing", Lookup);

        Assert.Equal(3, asked);
    }

    [Fact]
    public async Task A_failed_lookup_is_asked_again()
    {
        var cache = new LookupCache<string, int>(10, TimeSpan.FromHours(1));
        var asked = 0;

        await Assert.ThrowsAsync<IOException>(() => cache.GetAsync("k", _ => { asked++; return Task.FromException<int>(new IOException()); }));
        Assert.Equal(7, await cache.GetAsync("k", _ => { asked++; return Task.FromResult(7); }));

        Assert.Equal(2, asked);
    }
}

using IntelMQ.Core;
using IntelMQ.Experts.Deduplicator;

namespace IntelMQ.Tests.Experts;

public sealed class DeduplicatorExpertTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dedup-");
    readonly MovableClock _clock = new();

    public void Dispose() => _dir.Delete(recursive: true);

    DeduplicatorExpert Expert(string type = "blacklist", params string[] keys) =>
        new(new DeduplicatorExpertOptions { FilterType = type, FilterKeys = keys, Ttl = 3600 },
            ProgramContext.Default with { DataDirectory = _dir.FullName, Id = "dedup", Clock = _clock });

    static Event NewEvent(string ip, string observed)
    {
        var ev = Event.Create();
        ev.Add("source.ip", ip);
        ev.Add("event.created", observed);
        return ev;
    }

    static EventCollector Run(DeduplicatorExpert expert, params Event[] events)
    {
        var output = new EventCollector();
        foreach (var ev in events) expert.Process(ev, output);
        return output;
    }

    [Fact]
    public void Second_event_with_the_same_key_is_dropped_with_a_reason()
    {
        using var expert = Expert("blacklist", "time.observation");

        var output = Run(expert, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"), NewEvent("192.0.2.1", "2024-01-02T00:00:00+00:00"));

        Assert.Single(output.Events);
        Assert.Contains("duplicate", Assert.Single(output.Dropped).Reason);
    }

    [Fact]
    public void Keys_survive_a_restart()
    {
        using (var first = Expert("whitelist", "source.ip"))
            Run(first, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"));

        using var second = Expert("whitelist", "source.ip");
        var output = Run(second, NewEvent("192.0.2.1", "2024-01-05T00:00:00+00:00"));

        Assert.Empty(output.Events);
        Assert.Single(output.Dropped);
    }

    [Fact]
    public void A_message_redelivered_after_a_crash_is_not_lost()
    {
        var message = NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00");
        using (var first = Expert("whitelist", "source.ip"))
            Run(first, message.Clone()); // processed and marked, but its hand-off was never confirmed

        using var restarted = Expert("whitelist", "source.ip");
        var output = Run(restarted, message.Clone());

        Assert.Single(output.Events);
        Assert.Empty(output.Dropped);
    }

    [Fact]
    public void Keys_expire_after_the_ttl()
    {
        using var expert = Expert("whitelist", "source.ip");
        Run(expert, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"));

        _clock.Advance(TimeSpan.FromSeconds(3601));
        var output = Run(expert, NewEvent("192.0.2.1", "2024-01-02T00:00:00+00:00"));

        Assert.Single(output.Events);
    }

    sealed class MovableClock : TimeProvider
    {
        DateTimeOffset _now = DateTimeOffset.UnixEpoch.AddYears(54);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

using System.Text;
using System.Text.Json;
using IntelMQ.Core;
using IntelMQ.Experts.EventIdentity;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Experts;

public sealed class EventIdentityExpertTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("identity-");
    readonly MovableClock _clock = new();

    public void Dispose() => _dir.Delete(recursive: true);

    EventIdentityExpert Instance(string producer, EventIdentityExpertOptions? options = null) =>
        new(options ?? new EventIdentityExpertOptions(), ProgramContext.Default with
        {
            DataDirectory = Path.Combine(_dir.FullName, producer), Id = "identity", Producer = producer, Clock = _clock,
        });

    EventIdentityExpert RedisInstance(string producer) =>
        Instance(producer, new EventIdentityExpertOptions { Store = "redis", RedisCachePort = redis.Required().Port, RedisCacheDb = 5 });

    static Event Finding(string ip = "192.0.2.1")
    {
        var ev = new Event();
        ev.Add("feed.provider", "Shadowserver");
        ev.Add("feed.name", "Accessible-SMB");
        ev.Add("event.original", $"\"ip\"\n\"{ip}\"");
        ev.Add("source.ip", ip);
        ev.AssignStableId();
        return ev;
    }

    // What another installation receives: the event written to DHO (IntelMQ's Redis lists) and read back.
    static Event OverTheWire(Event ev)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer)) EventJson.WriteDho(writer, ev);
        return Assert.Single(EventJson.Read(buffer.ToArray()));
    }

    static EventCollector Pass(EventIdentityExpert instance, Event ev)
    {
        var output = new EventCollector();
        instance.Process(ev, output);
        instance.Delivered();
        return output;
    }

    [Fact]
    public void The_path_of_an_event_lists_the_installations_it_passed_in_order()
    {
        using var a = Instance("cert-a");
        using var b = Instance("cert-b");

        var atA = Assert.Single(Pass(a, Finding()).Events);
        var atB = Assert.Single(Pass(b, OverTheWire(atA)).Events);

        Assert.Equal(["cert-a", "cert-b"], ((List<object>)atB["producers"]!).Cast<string>());
        Assert.Equal(Finding().Id, atB.Id);
    }

    [Fact]
    public void A_loop_between_two_instances_is_cut_even_after_the_ttl()
    {
        using var a = Instance("cert-a", new EventIdentityExpertOptions { Ttl = 60 });
        using var b = Instance("cert-b");
        var sent = Assert.Single(Pass(a, Finding()).Events);
        var back = Assert.Single(Pass(b, OverTheWire(sent)).Events);

        _clock.Advance(TimeSpan.FromHours(1)); // A no longer remembers the id: the path still shows the loop
        var output = Pass(a, OverTheWire(back));

        Assert.Empty(output.Events);
        var (_, reason) = Assert.Single(output.Dropped);
        Assert.Contains("loop", reason);
        Assert.Contains("cert-a > cert-b", reason);
    }

    [Fact]
    public void An_event_arriving_from_two_installations_is_passed_on_once()
    {
        using var a = Instance("cert-a");
        using var b = Instance("cert-b");
        using var hub = Instance("hub");
        var viaA = Assert.Single(Pass(a, Finding()).Events);
        var viaB = Assert.Single(Pass(b, Finding()).Events);

        var first = Pass(hub, OverTheWire(viaA));
        var second = Pass(hub, OverTheWire(viaB));

        Assert.Single(first.Events);
        Assert.Empty(second.Events);
        Assert.Contains("within ttl", Assert.Single(second.Dropped).Reason);
    }

    [Fact]
    public void Seen_ids_survive_a_restart_and_expire_after_the_ttl()
    {
        using (var before = Instance("hub", new EventIdentityExpertOptions { Ttl = 3600 })) Pass(before, Finding());

        using var after = Instance("hub", new EventIdentityExpertOptions { Ttl = 3600 });
        Assert.Empty(Pass(after, Finding()).Events);
        _clock.Advance(TimeSpan.FromSeconds(3601));
        Assert.Single(Pass(after, Finding()).Events);
    }

    [Fact]
    public void An_id_whose_hand_off_was_never_confirmed_is_not_remembered()
    {
        using (var crashed = Instance("hub"))
            crashed.Process(Finding(), new EventCollector()); // passed on, but the hand-off never confirmed

        using var restarted = Instance("hub");
        Assert.Single(Pass(restarted, Finding()).Events);
    }

    [Fact]
    public void The_same_record_under_another_id_is_linked_to_the_first_as_a_duplicate()
    {
        using var hub = Instance("hub", new EventIdentityExpertOptions { LinkRelated = true });
        var first = Finding();
        var other = Finding();
        other.Add(Event.IdField, "0190a5c4-0000-7000-8000-000000000001", overwrite: true); // another producer's id

        Pass(hub, first);
        var linked = Assert.Single(Pass(hub, other).Events);

        var link = Assert.Single(JsonSerializer.SerializeToNode(linked[Event.LinksField])!.AsArray());
        Assert.Equal("duplicate-of", (string?)link!["type"]);
        Assert.Equal(first.Id, (string?)link["id"]);
    }

    [Fact]
    public void Two_processes_sharing_redis_pass_an_id_once_it_was_handed_on()
    {
        Clear(5);
        using var first = RedisInstance("hub");
        using var second = RedisInstance("hub");

        var output = new EventCollector();
        first.Process(Finding(), output);
        second.Process(Finding(), output); // the first has not handed it on yet: a duplicate, never a loss
        Assert.Equal(2, output.Events.Count);
        first.Delivered();
        second.Delivered();

        using var third = RedisInstance("hub");
        var later = Pass(third, Finding());
        Assert.Empty(later.Events);
        Assert.Single(later.Dropped);
        var multiplexer = redis.Required().Client.Multiplexer;
        var key = Assert.Single(multiplexer.GetServer(multiplexer.GetEndPoints()[0]).Keys(5));
        Assert.Equal("event-identity:id:" + Finding().Id, key.ToString());
    }

    // FLUSHDB needs the client's admin mode: the keys are deleted one by one instead.
    void Clear(int db)
    {
        var multiplexer = redis.Required().Client.Multiplexer;
        foreach (var key in multiplexer.GetServer(multiplexer.GetEndPoints()[0]).Keys(db)) multiplexer.GetDatabase(db).KeyDelete(key);
    }

    [Fact]
    public async Task A_retry_after_a_failed_hand_off_is_not_lost()
    {
        // The hand-off fails and the run is stopped before it was confirmed; the input then redelivers the message
        // with the destination back: the event goes out, not dropped as seen. Once the hand-off was
        // confirmed, it is remembered: the same message after a restart is dropped.
        var (retried, again) = await RetriedHandOff.RunAsync(typeof(EventIdentityExpert), new EventIdentityExpertOptions(), "identity", """{"event": {"id": "0190a5c4-0000-7000-8000-0000000000aa"}, "source": {"ip": "192.0.2.1"}}""", _dir.FullName);

        Assert.Equal(1, retried.Events);
        Assert.Equal(0, retried.Dropped);
        Assert.Equal(0, again.Events);
        Assert.Equal(1, again.Dropped);
    }

    sealed class MovableClock : TimeProvider
    {
        DateTimeOffset _now = DateTimeOffset.UnixEpoch.AddYears(54);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

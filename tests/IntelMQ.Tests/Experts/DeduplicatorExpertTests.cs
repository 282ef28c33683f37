using System.Text;
using System.Text.Json.Nodes;
using IntelMQ.Contract;
using IntelMQ.Core;
using IntelMQ.Experts.Deduplicator;
using IntelMQ.Runtime;
using IntelMQ.Runtime.Channels;
using IntelMQ.Tests.Channels;
using StackExchange.Redis;

namespace IntelMQ.Tests.Experts;

public sealed class DeduplicatorExpertTests(RedisServer redis) : IClassFixture<RedisServer>, IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("dedup-");
    readonly MovableClock _clock = new();

    public void Dispose() => _dir.Delete(recursive: true);

    ProgramContext Context => ProgramContext.Default with { DataDirectory = _dir.FullName, Id = "dedup", Clock = _clock };

    DeduplicatorExpert Expert(string type = "blacklist", params string[] keys) =>
        new(new DeduplicatorExpertOptions { FilterType = type, FilterKeys = keys, Ttl = 3600 }, Context);

    DeduplicatorExpert RedisExpert(params string[] keys) =>
        new(new DeduplicatorExpertOptions { FilterType = "whitelist", FilterKeys = keys, Ttl = 3600, Store = "redis", RedisCachePort = redis.Required().Port, RedisCacheDb = 3 }, Context);

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

        var output = Run(expert, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"), NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"));

        Assert.Single(output.Events);
        Assert.Contains("duplicate", Assert.Single(output.Dropped).Reason);
    }

    [Fact]
    public void Keys_of_delivered_events_survive_a_restart()
    {
        using (var first = Expert("whitelist", "source.ip"))
        {
            Run(first, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"));
            first.Delivered();
        }

        using var second = Expert("whitelist", "source.ip");
        var output = Run(second, NewEvent("192.0.2.1", "2024-01-05T00:00:00+00:00"));

        Assert.Empty(output.Events);
        Assert.Single(output.Dropped);
    }

    [Fact]
    public void A_second_process_on_the_same_state_file_is_refused_with_the_fix()
    {
        using var first = Expert("whitelist", "source.ip");

        var error = Assert.Throws<ConfigurationException>(() => Expert("whitelist", "source.ip"));

        Assert.Contains("dedup.seen.tsv is in use by another process", error.Message);
        Assert.Contains("store=redis", error.Message);
    }

    [Fact]
    public void The_embedded_store_under_several_processes_is_refused_with_the_fix()
    {
        var error = Assert.Throws<ConfigurationException>(() =>
            new DeduplicatorExpert(new DeduplicatorExpertOptions { FilterKeys = ["raw"] }, Context with { Processes = 3 }));

        Assert.Contains("--processes 3", error.Message);
        Assert.Contains("store=redis", error.Message);
    }

    [Fact]
    public void An_event_whose_hand_off_was_never_confirmed_is_not_marked()
    {
        using (var first = Expert("whitelist", "source.ip"))
            Run(first, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00")); // passed on, but the hand-off never confirmed

        using var restarted = Expert("whitelist", "source.ip");
        var output = Run(restarted, NewEvent("192.0.2.1", "2024-01-02T00:00:00+00:00"));

        Assert.Single(output.Events);
        Assert.Empty(output.Dropped);
    }

    [Fact]
    public void Keys_expire_after_the_ttl()
    {
        using var expert = Expert("whitelist", "source.ip");
        Run(expert, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"));
        expert.Delivered();

        _clock.Advance(TimeSpan.FromSeconds(3601));
        var output = Run(expert, NewEvent("192.0.2.1", "2024-01-02T00:00:00+00:00"));

        Assert.Single(output.Events);
    }

    [Fact]
    public async Task A_failed_send_followed_by_a_retry_does_not_drop_the_event()
    {
        // The hand-off fails and the run is stopped before it was confirmed; the input then redelivers the message
        // with the destination back: the event goes out, not dropped as a duplicate. Once the hand-off was
        // confirmed, it is remembered: the same message after a restart is dropped.
        var (retried, again) = await RetriedHandOff.RunAsync(typeof(DeduplicatorExpert), new DeduplicatorExpertOptions { FilterType = "whitelist", FilterKeys = ["source.ip"] }, "dedup", """{"source": {"ip": "192.0.2.1"}, "classification": {"type": "scanner"}}""", _dir.FullName);

        Assert.Equal(1, retried.Events);
        Assert.Equal(0, retried.Dropped);
        Assert.Equal(0, again.Events);
        Assert.Equal(1, again.Dropped);
    }

    [Fact]
    public void The_redis_store_is_shared_by_processes_and_marks_with_the_ttl()
    {
        var client = redis.Required().Client.Multiplexer.GetDatabase(3);
        Clear(3);
        using var first = RedisExpert("source.ip");
        using var second = RedisExpert("source.ip");

        Assert.Single(Run(first, NewEvent("198.51.100.7", "2024-01-01T00:00:00+00:00")).Events);
        Assert.Single(Run(second, NewEvent("198.51.100.7", "2024-01-01T00:00:00+00:00")).Events); // not handed on by the first yet
        first.Delivered();
        second.Delivered(); // SET NX: the first mark stays

        using var third = RedisExpert("source.ip");
        var output = Run(third, NewEvent("198.51.100.7", "2024-01-03T00:00:00+00:00"));
        Assert.Empty(output.Events);
        Assert.Single(output.Dropped);
        var key = Assert.Single(client.Multiplexer.GetServer(client.Multiplexer.GetEndPoints()[0]).Keys(3));
        Assert.Matches("^[0-9a-f]{64}$", key.ToString());
        Assert.InRange(client.KeyTimeToLive(key)!.Value.TotalSeconds, 3000, 3600);
    }

    // FLUSHDB needs the client's admin mode: the keys are deleted one by one instead.
    void Clear(int db)
    {
        var multiplexer = redis.Required().Client.Multiplexer;
        foreach (var key in multiplexer.GetServer(multiplexer.GetEndPoints()[0]).Keys(db)) multiplexer.GetDatabase(db).KeyDelete(key);
    }

    public static TheoryData<string> Fixtures => [.. Directory.EnumerateFiles(Path.Combine(Paths.Corpus, "intelmq-tests", "experts", "deduplicator"), "*.json").Select(f => Path.GetFileName(f)).Order()];

    /// <summary>IntelMQ's own fixtures, with the cache they start from seeded into Redis: our keys are IntelMQ's.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public async Task IntelMQ_fixtures_pass_with_their_cache_seeded_in_redis(string name)
    {
        var fixture = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Paths.Corpus, "intelmq-tests", "experts", "deduplicator", name), TestContext.Current.CancellationToken))!;
        var server = redis.Required();
        var cache = fixture["cache_before_run"]!.AsObject();
        var parameters = fixture["parameters"]!.AsObject();
        var db = parameters["redis_cache_db"]?.GetValue<int>() ?? int.Parse(Assert.Single(cache).Key, System.Globalization.CultureInfo.InvariantCulture);
        var database = server.Client.Multiplexer.GetDatabase(db);
        Clear(db);
        foreach (var (key, entry) in cache[db.ToString(System.Globalization.CultureInfo.InvariantCulture)]!.AsObject())
            await database.StringSetAsync(key, (string)entry!["value"]!, TimeSpan.FromHours(1));

        using var expert = new DeduplicatorExpert(new DeduplicatorExpertOptions
        {
            FilterType = (string?)parameters["filter_type"] ?? "blacklist",
            FilterKeys = parameters["filter_keys"] is { } keys ? [(string)keys!] : [],
            Bypass = (bool?)parameters["bypass"] ?? false,
            Ttl = int.Parse((string)parameters["redis_cache_ttl"]!, System.Globalization.CultureInfo.InvariantCulture),
            Store = "redis",
            RedisCachePort = server.Port,
            RedisCacheDb = db,
        }, Context);
        var output = new EventCollector();
        foreach (var message in fixture["input"]!.AsArray())
        {
            var dho = message!.AsObject().DeepClone().AsObject();
            dho.Remove("raw_text");
            foreach (var ev in EventJson.Read(Encoding.UTF8.GetBytes(dho.ToJsonString()), MessageFormat.Dho)) expert.Process(ev, output);
        }

        Assert.Equal(fixture["actual_output"]!["_default"]!.AsArray().Count, output.Events.Count);
    }

    /// <summary>
    /// The key of values repr() writes differently (quotes, backslash, tab, non-ASCII, a separator, an emoji, DEL) and of
    /// plain ones, as Python computes IntelMQ's hash: sorted fields, name, 0xC0, repr(value) in UTF-8, 0xC0, SHA-256.
    /// </summary>
    [Fact]
    public async Task The_key_in_redis_is_the_one_python_computes_for_plain_and_escaped_values()
    {
        var server = redis.Required();
        Clear(7);
        const string message = """{"classification.type": "test", "source.fqdn": "example.org", "source.port": 443, "extra.note": "it's \"quoted\" \\ tab\t \u00fcn\u00efcode \u2028 \ud83d\ude00 \u007f", "extra.plain": "a+b<c>&d"}""";
        using var expert = new DeduplicatorExpert(new DeduplicatorExpertOptions { Store = "redis", RedisCachePort = server.Port, RedisCacheDb = 7 }, Context);

        foreach (var ev in EventJson.Read(Encoding.UTF8.GetBytes(message), MessageFormat.Dho)) expert.Process(ev, new EventCollector());
        expert.Delivered();

        // python3 -c 'import hashlib; ...' over the same message (see the summary): the digest IntelMQ stores.
        Assert.True(await server.Client.Multiplexer.GetDatabase(7).KeyExistsAsync("37f53a20ced71d3b58d0b6922d41583cd2535b3be8097eee0725960a5dfcc3e3"));
    }

    sealed class MovableClock : TimeProvider
    {
        DateTimeOffset _now = DateTimeOffset.UnixEpoch.AddYears(54);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }

    DeduplicatorExpert LinkingExpert() =>
        new(new DeduplicatorExpertOptions { FilterType = "whitelist", FilterKeys = ["source.ip"], Ttl = 3600, DuplicateOf = true }, Context);

    [Fact]
    public void With_duplicate_of_a_duplicate_is_passed_on_with_a_link_to_the_first_event()
    {
        using var expert = LinkingExpert();
        var first = NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00");
        var inBatch = NewEvent("192.0.2.1", "2024-01-01T00:00:01+00:00");
        Run(expert, first, inBatch);
        expert.Delivered();
        var later = NewEvent("192.0.2.1", "2024-01-01T00:00:02+00:00");

        var output = Run(expert, later);

        Assert.Empty(output.Dropped);
        foreach (var duplicate in new[] { inBatch, Assert.Single(output.Events) })
        {
            var link = Assert.Single(System.Text.Json.JsonSerializer.SerializeToNode(duplicate[Event.LinksField])!.AsArray());
            Assert.Equal("duplicate-of", (string?)link!["type"]);
            Assert.Equal(first.Id, (string?)link["id"]);
        }
        Assert.Null(first[Event.LinksField]);
    }

    [Fact]
    public void With_duplicate_of_the_first_id_survives_a_restart()
    {
        var first = NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00");
        using (var before = LinkingExpert())
        {
            Run(before, first);
            before.Delivered();
        }

        using var after = LinkingExpert();
        var output = Run(after, NewEvent("192.0.2.1", "2024-01-02T00:00:00+00:00"));

        var link = Assert.Single(System.Text.Json.JsonSerializer.SerializeToNode(Assert.Single(output.Events)[Event.LinksField])!.AsArray());
        Assert.Equal(first.Id, (string?)link!["id"]);
    }

    [Fact]
    public void With_duplicate_of_a_mark_that_holds_no_event_id_still_drops_the_duplicate()
    {
        using (var plain = Expert("whitelist", "source.ip"))
        {
            Run(plain, NewEvent("192.0.2.1", "2024-01-01T00:00:00+00:00"));
            plain.Delivered();
        }

        using var linking = LinkingExpert();
        var output = Run(linking, NewEvent("192.0.2.1", "2024-01-02T00:00:00+00:00"));

        Assert.Empty(output.Events);
        Assert.Single(output.Dropped);
    }

    [Fact]
    public void With_duplicate_of_the_redis_mark_holds_the_first_event_id_for_other_processes()
    {
        Clear(3);
        var options = new DeduplicatorExpertOptions { FilterType = "whitelist", FilterKeys = ["source.ip"], Ttl = 3600, DuplicateOf = true, Store = "redis", RedisCachePort = redis.Required().Port, RedisCacheDb = 3 };
        var first = NewEvent("198.51.100.8", "2024-01-01T00:00:00+00:00");
        using (var one = new DeduplicatorExpert(options, Context))
        {
            Run(one, first);
            one.Delivered();
        }

        using var other = new DeduplicatorExpert(options, Context);
        var output = Run(other, NewEvent("198.51.100.8", "2024-01-02T00:00:00+00:00"));

        var link = Assert.Single(System.Text.Json.JsonSerializer.SerializeToNode(Assert.Single(output.Events)[Event.LinksField])!.AsArray());
        Assert.Equal(first.Id, (string?)link!["id"]);
    }
}

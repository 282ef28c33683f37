using System.Text;
using IntelMQ.Runtime.Channels;

namespace IntelMQ.Tests.Channels;

/// <summary><c>redis-stream://</c>: the conformance suite, at-least-once through SIGKILLs, claiming a dead consumer's entries, and backpressure.</summary>
public sealed class RedisStreamChannelTests(RedisServer redis, ITestOutputHelper output) : ChannelConformanceTests, IClassFixture<RedisServer>
{
    readonly RedisServer _server = redis.Required();

    protected override string Address(string name) => $"redis-stream://127.0.0.1:{redis.Port}/0?stream={name}-{Guid.NewGuid():N}&group=workers";

    protected override TimeSpan Wait => TimeSpan.FromMilliseconds(500);

    static string StreamOf(string address) => ChannelAddress.Parse(address).Get("stream")!;

    static List<ReadOnlyMemory<byte>> Messages(int from, int count) =>
        Enumerable.Range(from, count).Select(n => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($$"""{"__type": "Event", "extra.n": {{n}}}""")).ToList();



    [Fact]
    public async Task Entries_of_a_consumer_that_never_returns_are_claimed_by_another()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("claim") + "&claim_idle_ms=300&claim_interval_ms=100";
        await SendAsync(address, 0, 10, ct);
        await using (var dead = Catalog.OpenInput(address, Context with { ProgramId = "dead" }))
            Assert.Equal(10, (await dead.ReceiveAsync(10, Wait, ct))!.Count); // and never acknowledged
        var log = new StringWriter();
        await using var survivor = Catalog.OpenInput(address, Context with { ProgramId = "survivor", Log = log });
        Assert.Empty((await survivor.ReceiveAsync(10, TimeSpan.FromMilliseconds(100), ct))!); // not idle long enough yet
        await Task.Delay(400, ct);
        var claimed = await survivor.ReceiveAsync(10, Wait, ct);
        Assert.Equal(10, claimed!.Count);
        Assert.All(claimed, d => Assert.EndsWith("(claimed)", d.Position, StringComparison.Ordinal));
        await survivor.AckAsync(claimed, ct);
        Assert.Contains("claimed 10 entries", log.ToString(), StringComparison.Ordinal);
        var pending = await redis.Client.StreamPendingAsync(StreamOf(address), "workers");
        Assert.Equal(0, pending.PendingMessageCount);
    }

    [Fact]
    public async Task A_full_stream_holds_the_producer_back_and_keeps_unread_entries()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("bounded");
        var stream = StreamOf(address);
        var log = new StringWriter();
        const int total = 1000, batch = 20;
        await using var bounded = Catalog.OpenOutput(address + "&maxlen=100", Context with { Log = log });
        // No consumer group yet: nothing may be trimmed, so the producer waits at 100.
        for (var i = 0; i < 100; i += batch) await bounded.SendAsync(Messages(i, batch), ct);
        var producer = Task.Run(async () =>
        {
            for (var i = 100; i < total; i += batch) await bounded.SendAsync(Messages(i, batch), ct);
        }, ct);
        await Task.Delay(300, ct);
        Assert.False(producer.IsCompleted, "the producer should wait while the stream is full");
        Assert.Equal(100, await redis.Client.StreamLengthAsync(stream));

        long longest = 0;
        var watcher = Task.Run(async () =>
        {
            while (!producer.IsCompleted)
            {
                longest = Math.Max(longest, await redis.Client.StreamLengthAsync(stream));
                await Task.Delay(2, ct);
            }
        }, ct);
        var seen = new List<int>();
        await using (var slow = Catalog.OpenInput(address, Context))
        {
            while (seen.Count < total && await slow.ReceiveAsync(10, Wait, ct) is { Count: > 0 } messages)
            {
                seen.AddRange(messages.Select(m => System.Text.Json.JsonDocument.Parse(m.Body).RootElement.GetProperty("extra.n").GetInt32()));
                await slow.AckAsync(messages, ct);
                await Task.Delay(10, ct);
            }
        }
        await producer;
        await watcher;
        output.WriteLine($"longest stream: {longest}; log: {log}");
        Assert.Equal(Enumerable.Range(0, total), seen.Order());
        Assert.InRange(longest, 90, 100 + batch + 1);
        Assert.Single(log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Entries_deleted_while_pending_are_skipped_and_acknowledged()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("deleted");
        var stream = StreamOf(address);
        await SendAsync(address, 0, 5, ct);
        await using (var crashed = Catalog.OpenInput(address, Context))
        {
            var batch = await crashed.ReceiveAsync(5, Wait, ct);
            await redis.Client.StreamDeleteAsync(stream, [RedisValueOf(batch![1]), RedisValueOf(batch[3])]);
        }
        Assert.Equal([0L, 2, 4], await DrainAsync(address, ct));
        Assert.Equal(0, (await redis.Client.StreamPendingAsync(stream, "workers")).PendingMessageCount);
    }

    static StackExchange.Redis.RedisValue RedisValueOf(Delivery delivery) => (StackExchange.Redis.RedisValue)delivery.Token!; // the entry id

    [Fact]
    public async Task A_worker_is_a_consumer_of_its_own()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("consumers");
        await SendAsync(address, 0, 10, ct);
        await using var worker = Catalog.OpenInput(address, Context with { ProgramId = "enricher", WorkerId = 3 });
        Assert.Equal(10, (await worker.ReceiveAsync(10, Wait, ct))!.Count);
        var consumers = await redis.Client.StreamConsumerInfoAsync(StreamOf(address), "workers");
        Assert.Equal(10, Assert.Single(consumers, c => c.Name == "enricher-3").PendingMessageCount);
    }

    [Fact]
    public async Task The_queue_depth_and_its_limit_are_visible()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("depth") + "&maxlen=50";
        await SendAsync(address, 0, 5, ct);
        await using var queue = Catalog.OpenOutput(address, Context);
        var (depth, limit) = await ((IntelMQ.Runtime.Channels.IQueueDepth)queue).DepthAsync(ct);
        Assert.Equal(5, depth);
        Assert.Equal(50, limit);
    }
}

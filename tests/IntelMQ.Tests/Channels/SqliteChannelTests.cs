namespace IntelMQ.Tests.Channels;

/// <summary>The embedded durable queue: the conformance suite, and at-least-once through SIGKILLs.</summary>
public sealed class SqliteChannelTests : ChannelConformanceTests, IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("sqlite-queue-").FullName;

    protected override string Address(string name) => $"sqlite:{Path.Combine(_dir, "queues.db")}?queue={name}-{Guid.NewGuid():N}";

    protected override TimeSpan Wait => TimeSpan.FromMilliseconds(500);

    public void Dispose() => Directory.Delete(_dir, recursive: true);



    [Fact]
    public async Task A_full_queue_holds_the_producer_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var address = Address("bounded");
        var bounded = address + "&max_length=100";
        await SendAsync(bounded, 0, 100, ct);
        var blocked = SendAsync(bounded, 100, 10, ct);
        await Task.Delay(500, ct);
        Assert.False(blocked.IsCompleted, "the producer should wait while the queue is full");
        Assert.Equal(110, (await DrainAsync(address, ct, 110)).Count + (await DrainAsync(address, ct)).Count);
        await blocked;
    }
}

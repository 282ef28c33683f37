using System.Text.Json.Nodes;
using IntelMQ.Core;
using IntelMQ.Outputs.Redis;
using IntelMQ.Tests.Channels;

namespace IntelMQ.Tests.Outputs;

public sealed class RedisOutputTests(RedisServer redis) : IClassFixture<RedisServer>
{
    readonly RedisServer _server = redis.Required();

    static CancellationToken Cancel => TestContext.Current.CancellationToken;

    static async Task<WriteResult[]> Write(RedisOutput output, IReadOnlyList<Event> events)
    {
        var results = new WriteResult[events.Count];
        await output.WriteAsync(events, results, Cancel);
        return results;
    }

    static Event NewEvent(int i)
    {
        var ev = Event.Create();
        ev.Add(DhoMapping.ToIdf("source.ip")!, $"192.0.2.{i + 1}");
        ev.Add(Event.OriginalField, "line");
        return ev;
    }

    [Fact]
    public async Task A_batch_is_pushed_in_order_as_intelmq_messages_an_intelmq_bot_pops_from_the_right()
    {
        var queue = "remote-" + Guid.NewGuid().ToString("N");
        using var output = new RedisOutput(new() { RedisServerPort = _server.Port, RedisDb = 0, RedisQueue = queue });

        await Write(output, [NewEvent(0), NewEvent(1), NewEvent(2)]);

        var first = JsonNode.Parse((string)(await _server.Client.ListRightPopAsync(queue))!)!;
        Assert.Equal("Event", (string?)first["__type"]);
        Assert.Equal("192.0.2.1", (string?)first["source.ip"]);
        Assert.Equal(Convert.ToBase64String("line"u8.ToArray()), (string?)first["raw"]);
        Assert.Equal("192.0.2.2", (string?)JsonNode.Parse((string)(await _server.Client.ListRightPopAsync(queue))!)!["source.ip"]);
        Assert.Equal(1, await _server.Client.ListLengthAsync(queue));
    }

    [Fact]
    public async Task Without_type_and_hierarchical()
    {
        var queue = "remote-" + Guid.NewGuid().ToString("N");
        using var output = new RedisOutput(new() { RedisServerPort = _server.Port, RedisDb = 0, RedisQueue = queue, WithType = false, HierarchicalOutput = true });

        await Write(output, [NewEvent(0)]);

        var message = JsonNode.Parse((string)(await _server.Client.ListRightPopAsync(queue))!)!.AsObject();
        Assert.False(message.ContainsKey("__type"));
        Assert.Equal("192.0.2.1", (string?)message["source"]!["ip"]);
    }

    [Fact]
    public async Task A_server_that_is_down_is_transient_then_written_once_up_and_the_health_check_says_so()
    {
        var port = RedisServer.FreePort();
        using var output = new RedisOutput(new() { RedisServerPort = port, RedisDb = 0, RedisQueue = "q", RedisTimeout = 1000 });

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
        await Assert.ThrowsAsync<InvalidOperationException>(() => output.CheckAsync(Cancel).AsTask());

        using var late = RedisServer.StartOn(port);
        await Write(output, [NewEvent(0)]);
        await output.CheckAsync(Cancel);
        Assert.Equal(1, await late.Client.ListLengthAsync("q"));
    }

    [Fact]
    public async Task A_wrong_password_is_transient()
    {
        using var locked = RedisServer.Start("--requirepass", "right");
        using var output = new RedisOutput(new() { RedisServerPort = locked.Port, RedisDb = 0, RedisQueue = "q", RedisPassword = new("wrong"), RedisTimeout = 1000 });

        await Assert.ThrowsAsync<TransientException>(() => Write(output, [NewEvent(0)]));
    }
}
